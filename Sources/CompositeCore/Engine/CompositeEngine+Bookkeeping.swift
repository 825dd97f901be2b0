import DequeModule

extension CompositeEngine {
    /// Interns a topic name, registering its tenant stream on first sight. Names that are not tenant topics get a
    /// slot with stream -1.
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
                    stream: -1,
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

    /// Acknowledges a held message where it physically is: its original, or the carried copy that stands for it.
    mutating func acknowledge(_ ref: HeldRef) {
        self.held.remove(ref)
        self.counters.acknowledged += 1
        // Released first: a method called on `self` with the release in its argument would hold a copy of `self`
        // while the ledger mutates, and copy the whole ledger on every acknowledgement.
        let location = self.carrying.release(ref) ?? ref
        self.output.acknowledgements.append(self.messageRef(location))
    }

    mutating func deadLetter(_ delivery: Delivery, ref: HeldRef, topic: String, reason: DeadLetterReason) {
        self.sequence += 1
        let id = PublicationID(rawValue: self.sequence)
        self.held.insert(ref)
        self.publications[id] = InFlightPublication(refs: [ref], composite: nil)
        self.counters.deadLetters += 1
        self.output.actions.append(
            .publish(
                Publication(
                    id: id,
                    topic: topic,
                    payload: delivery.payload,
                    properties: [
                        "reason": reason.message, "sourceTopic": delivery.topic,
                        "sourceMessageId": delivery.id.description,
                    ],
                    key: delivery.key,
                    kind: .deadLetter(reason: reason.message)
                )
            )
        )
    }

    /// The composite is decided and its result durable: acknowledge everything it held and remember it for a while
    /// so late copies of its messages are recognised.
    mutating func finish(_ key: OccurrenceKey) {
        guard let composite = self.composites.removeValue(forKey: key) else { return }
        // The composite's own FutureTaskCreated goes last: if the acknowledgements are cut short, whatever is
        // redelivered still has its composite to belong to.
        for ref in composite.held.reversed() { self.acknowledge(ref) }
        let tasks = self.unindex(composite).tasks
        self.rememberDecided([key] + tasks, stream: key.stream, from: self.streams[Int(key.stream)].tasksWatermark)
    }

    /// Removes a composite that left `composites` from every index; returns the tasks it claimed and their resultIds.
    mutating func unindex(_ composite: PendingComposite) -> (tasks: [OccurrenceKey], results: [ResultKey]) {
        let key = composite.key
        if case .awaitingPatient(let lookup) = composite.phase { self.lookups[lookup] = nil }
        for feature in composite.requiredFeatures ?? [] where composite.components[feature] == nil {
            let match = MatchKey(
                stream: key.stream,
                patientId: composite.task.patientId,
                projectId: composite.task.projectId,
                featureId: feature
            )
            Self.remove(key, from: &self.wanting, at: match)
        }
        var tasks: [OccurrenceKey] = []
        var results: [ResultKey] = []
        for component in composite.components.values {
            let task = OccurrenceKey(stream: key.stream, occurrence: component.occurrence)
            self.componentOwners[task] = nil
            tasks.append(task)
            if let resultId = component.resultId {
                let result = ResultKey(stream: key.stream, resultId: resultId)
                self.links[result] = nil
                results.append(result)
            }
        }
        return (tasks, results)
    }

    /// Remembers occurrences of decided composites until the tasks watermark is `decidedRetention` past `time`.
    mutating func rememberDecided(_ occurrences: [OccurrenceKey], stream: Int32, from time: Timestamp) {
        let added = occurrences.filter { self.decided.insert($0).inserted }
        guard !added.isEmpty else { return }
        self.schedule(
            .forgetDecided(added),
            stream: stream,
            kind: .tasks,
            at: time.adding(milliseconds: self.configuration.decidedRetention)
        )
    }

    /// Releases an unclaimed candidate: no composite can claim it any more.
    @discardableResult
    mutating func releaseCandidate(_ key: OccurrenceKey) -> Bool {
        guard let candidate = self.candidates.removeValue(forKey: key) else { return false }
        Self.remove(key, from: &self.claimable, at: candidate.match)
        self.acknowledge(candidate.ref)
        return true
    }

    /// Removes `key` from an index queue, dropping the queue when it empties, so indexes do not outgrow the state.
    static func remove(_ key: OccurrenceKey, from index: inout [MatchKey: Deque<OccurrenceKey>], at match: MatchKey) {
        guard let position = index[match]?.firstIndex(of: key) else { return }
        index[match]!.remove(at: position)
        if index[match]!.isEmpty { index[match] = nil }
    }

    mutating func schedule(_ work: WatermarkTimer.Work, stream: Int32, kind: TopicKind, at time: Timestamp) {
        self.sequence += 1
        let timer = WatermarkTimer(fireAt: time, sequence: self.sequence, work: work)
        switch kind {
        case .tasks: self.streams[Int(stream)].tasksTimers.insert(timer)
        case .experiments: self.streams[Int(stream)].experimentsTimers.insert(timer)
        }
    }

    /// Moves a topic's watermark forward (never back) and runs the work that was waiting for it.
    mutating func advance(stream: Int32, kind: TopicKind, to time: Timestamp) {
        let index = Int(stream)
        switch kind {
        case .tasks:
            guard time > self.streams[index].tasksWatermark else { return }
            self.streams[index].tasksWatermark = time
            while let next = self.streams[index].tasksTimers.min, next.fireAt <= self.streams[index].tasksWatermark {
                _ = self.streams[index].tasksTimers.popMin()
                self.run(next.work)
            }
        case .experiments:
            guard time > self.streams[index].experimentsWatermark else { return }
            self.streams[index].experimentsWatermark = time
            while let next = self.streams[index].experimentsTimers.min,
                next.fireAt <= self.streams[index].experimentsWatermark
            {
                _ = self.streams[index].experimentsTimers.popMin()
                self.run(next.work)
            }
        }
    }

    private mutating func run(_ work: WatermarkTimer.Work) {
        switch work {
        case .evaluate(let key):
            self.evaluate(key)
        case .releaseUnlinkedScore(let key, let ref):
            guard var scores = self.unlinked[key], let position = scores.firstIndex(where: { $0.ref == ref }) else {
                return
            }
            scores.remove(at: position)
            self.unlinked[key] = scores.isEmpty ? nil : scores
            self.acknowledge(ref)
        case .closeClaimWindow(let key):
            self.releaseCandidate(key)
        case .forgetDecided(let keys):
            for key in keys { self.decided.remove(key) }
        case .releaseSettled(let key):
            self.releaseSettled(key)
        case .releaseProof(let key):
            self.releaseProof(key)
        }
    }

    func summary(_ composite: PendingComposite) -> PendingCompositeSummary {
        var waiting: [String] = []
        switch composite.phase {
        case .awaitingPatient: waiting.append("patient attributes")
        case .publishing: waiting.append("publication of its result")
        case .collecting:
            if let required = composite.requiredFeatures {
                for feature in required {
                    guard let component = composite.components[feature] else {
                        waiting.append("\(feature): no task claimed")
                        continue
                    }
                    if component.completedAt == nil {
                        waiting.append("\(feature): task \(component.occurrence) not completed")
                    } else if component.scoredAt == nil {
                        waiting.append("\(feature): score for result \(component.resultId ?? "?")")
                    }
                }
            } else {
                waiting.append("a scorer for \(composite.task.featureId)")
            }
            if waiting.isEmpty { waiting.append(composite.expiry == nil ? "tasks watermark" : "experiments watermark") }
        }
        return PendingCompositeSummary(
            tenant: self.tenant(of: composite.key),
            occurrence: composite.key.occurrence,
            featureId: composite.task.featureId,
            patientId: composite.task.patientId,
            createdAt: composite.createdAt,
            waitingFor: waiting
        )
    }
}
