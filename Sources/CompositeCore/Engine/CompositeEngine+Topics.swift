/// Topics and tenant streams, interned to small integers on first sight.
extension CompositeEngine {
    /// Interns a topic name, registering its tenant stream on first sight. Names that are not tenant topics get a
    /// slot without a stream.
    mutating func slot(for name: String) -> Int32 {
        if let index = self.topicIndex[name] { return index }
        let index = Int32(self.topicSlots.count)
        let stateSuffix = "-\(self.configuration.subscription)-state"
        if name.hasSuffix(stateSuffix), let tasks = TenantTopic(String(name.dropLast(stateSuffix.count))),
            tasks.kind == .tasks
        {
            let stream = self.stream(for: tasks)
            self.topicSlots.append(TopicSlot(name: name, stream: stream, kind: .tasks, topic: tasks, isState: true))
            self.topicIndex[name] = index
            return index
        }
        guard let topic = TenantTopic(name) else {
            self.topicSlots.append(
                TopicSlot(
                    name: name,
                    stream: nil,
                    kind: .tasks,
                    topic: TenantTopic(brokerTenant: "", kind: .tasks, kraneTenant: "")
                )
            )
            self.topicIndex[name] = index
            return index
        }
        let stream = self.stream(for: topic)
        self.topicSlots.append(TopicSlot(name: name, stream: stream, kind: topic.kind, topic: topic))
        self.topicIndex[name] = index
        return index
    }

    private mutating func stream(for topic: TenantTopic) -> Int32 {
        let streamKey = StreamKey(brokerTenant: topic.brokerTenant, kraneTenant: topic.kraneTenant)
        if let existing = self.streamIndex[streamKey] { return existing }
        let stream = Int32(self.streams.count)
        self.streams.append(StreamState(topic: topic.sibling(.tasks)))
        self.streamIndex[streamKey] = stream
        return stream
    }

    /// The slot of a stream's state topic.
    mutating func stateSlot(of stream: Int32) -> Int32 {
        self.slot(for: self.streams[Int(stream)].topic.stateTopic(subscription: self.configuration.subscription))
    }

    func tenant(of key: OccurrenceKey) -> String {
        self.streams[Int(key.stream)].topic.kraneTenant
    }

    func messageRef(_ ref: HeldRef) -> MessageRef {
        MessageRef(topic: self.topicSlots[Int(ref.topic)].name, id: ref.id)
    }
}
