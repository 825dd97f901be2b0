/// Watermark checkpoints (contract `semantics.md`, durable holding; guarantee 7): a restarted engine gets back the
/// watermarks that acknowledged messages had carried, so decisions that waited only for a watermark are taken without
/// new traffic or the idle interval.
///
/// From time to time the caller asks for checkpoints; each tenant whose progress changed gets one on its state topic.
/// Once the broker stored it, the tenant's earlier checkpoints are acknowledged: one is held per tenant. A checkpoint
/// read back after a restart applies to an input topic once the engine has read past its recorded position on every
/// partition, or once the caller reports that its consumer is caught up on that topic. Until every part has applied,
/// the engine publishes no checkpoint of its own for that tenant, so checkpoints only ever move forward.
extension CompositeEngine {
    /// Publishes a checkpoint for every tenant whose watermarks or read positions moved since its last one.
    public mutating func publishCheckpoints() -> [EngineAction] {
        for index in self.streams.indices {
            let stream = self.streams[index]
            guard !stream.checkpointInFlight, stream.tasksCheckpoint == nil, stream.experimentsCheckpoint == nil,
                stream.tasksWatermark != .distantFuture, stream.experimentsWatermark != .distantFuture,
                stream.tasksWatermark != .distantPast || stream.experimentsWatermark != .distantPast
            else { continue }
            let checkpoint = WatermarkCheckpoint(
                tenant: stream.topic.kraneTenant,
                tasks: .init(watermark: stream.tasksWatermark, positions: stream.tasksRead),
                experiments: .init(watermark: stream.experimentsWatermark, positions: stream.experimentsRead)
            )
            guard checkpoint != stream.lastCheckpoint else { continue }
            self.streams[index].lastCheckpoint = checkpoint
            self.streams[index].checkpointInFlight = true
            self.sequence += 1
            let id = PublicationID(rawValue: self.sequence)
            self.publications[id] = InFlightPublication(
                refs: [],
                composite: nil,
                stage: .checkpoint(stream: Int32(index))
            )
            self.output.actions.append(
                .publish(
                    Publication(
                        id: id,
                        topic: stream.topic.stateTopic(subscription: self.configuration.subscription),
                        payload: JSONWriter.encode(checkpoint.json),
                        kind: .checkpoint
                    )
                )
            )
        }
        return self.output.take()
    }

    /// The caller's consumer has been handed everything the broker holds for `topic`: a checkpoint read back for it
    /// applies now.
    public mutating func topicCaughtUp(_ topic: String) -> [EngineAction] {
        self.handleDeferredCopies()
        guard let index = self.topicIndex[topic] else { return [] }
        let slot = self.topicSlots[Int(index)]
        if let stream = slot.stream, !slot.isState { self.applyCheckpoint(stream: stream, kind: slot.kind) }
        return self.output.take()
    }

    /// Input topics with a checkpoint read back and not yet applied: the caller asks its consumer whether it is caught
    /// up on them without waiting for the idle interval.
    public var topicsAwaitingCheckpoint: [String] {
        self.streams.flatMap { stream in
            [
                stream.tasksCheckpoint.map { _ in stream.topic.sibling(.tasks).fullName },
                stream.experimentsCheckpoint.map { _ in stream.topic.sibling(.experiments).fullName },
            ].compactMap { $0 }
        }
    }

    /// Records that message `id` of an input topic has been read; applies a checkpoint read back once every
    /// partition it names has been read past.
    mutating func read(_ id: MessageID, stream: Int32, kind: TopicKind) {
        let index = Int(stream)
        switch kind {
        case .tasks:
            if self.streams[index].tasksRead[id.partition].map({ $0 < id }) ?? true {
                self.streams[index].tasksRead[id.partition] = id
            }
        case .experiments:
            if self.streams[index].experimentsRead[id.partition].map({ $0 < id }) ?? true {
                self.streams[index].experimentsRead[id.partition] = id
            }
        }
        self.applyCheckpointIfReadPast(stream: stream, kind: kind)
    }

    private mutating func applyCheckpointIfReadPast(stream: Int32, kind: TopicKind) {
        let state = self.streams[Int(stream)]
        switch kind {
        case .tasks:
            guard let checkpoint = state.tasksCheckpoint, checkpoint.isPassed(by: state.tasksRead) else { return }
        case .experiments:
            guard let checkpoint = state.experimentsCheckpoint, checkpoint.isPassed(by: state.experimentsRead)
            else { return }
        }
        self.applyCheckpoint(stream: stream, kind: kind)
    }

    /// A checkpoint on a state topic: held until the engine's own next checkpoint is stored, or until a later one
    /// read back supersedes it; each part that is ahead of the engine waits to be applied.
    mutating func checkpointRead(_ checkpoint: WatermarkCheckpoint, stream: Int32, ref: HeldRef) {
        let index = Int(stream)
        let known = self.streams[index].checkpointsRead
        if known.contains(where: { $0.checkpoint.covers(checkpoint) }) {
            // An older one (a broker that forgot its acknowledgement): a later one is held.
            self.acknowledge(ref)
            return
        }
        for superseded in known where checkpoint.covers(superseded.checkpoint) { self.acknowledge(superseded.ref) }
        self.streams[index].checkpointsRead.removeAll { checkpoint.covers($0.checkpoint) }
        self.streams[index].checkpointsRead.append((ref, checkpoint))
        self.held.insert(ref)
        if checkpoint.tasks.watermark
            > max(
                self.streams[index].tasksWatermark,
                self.streams[index].tasksCheckpoint?.watermark ?? .distantPast
            )
        {
            self.streams[index].tasksCheckpoint = checkpoint.tasks
        }
        if checkpoint.experiments.watermark
            > max(
                self.streams[index].experimentsWatermark,
                self.streams[index].experimentsCheckpoint?.watermark ?? .distantPast
            )
        {
            self.streams[index].experimentsCheckpoint = checkpoint.experiments
        }
        // Already read past: a checkpoint that arrives after the input it covers.
        self.applyCheckpointIfReadPast(stream: stream, kind: .tasks)
        self.applyCheckpointIfReadPast(stream: stream, kind: .experiments)
    }

    /// The engine's own checkpoint is stored (as message `id`, when the broker said): the earlier ones go.
    mutating func checkpointConfirmed(stream: Int32, id: MessageID?) {
        let index = Int(stream)
        self.streams[index].checkpointInFlight = false
        for read in self.streams[index].checkpointsRead { self.acknowledge(read.ref) }
        self.streams[index].checkpointsRead = []
        if let ownRef = self.streams[index].ownCheckpoint { self.acknowledge(ownRef) }
        self.streams[index].ownCheckpoint = id.map { HeldRef(topic: self.stateSlot(of: stream), id: $0) }
        if let ownRef = self.streams[index].ownCheckpoint { self.held.insert(ownRef) }
    }

    private mutating func applyCheckpoint(stream: Int32, kind: TopicKind) {
        let index = Int(stream)
        let progress: WatermarkCheckpoint.Progress
        switch kind {
        case .tasks:
            guard let pending = self.streams[index].tasksCheckpoint else { return }
            progress = pending
            self.streams[index].tasksCheckpoint = nil
            self.streams[index].tasksRead.merge(pending.positions, uniquingKeysWith: max)
        case .experiments:
            guard let pending = self.streams[index].experimentsCheckpoint else { return }
            progress = pending
            self.streams[index].experimentsCheckpoint = nil
            self.streams[index].experimentsRead.merge(pending.positions, uniquingKeysWith: max)
        }
        self.counters.checkpointsApplied += 1
        self.advance(stream: stream, kind: kind, to: progress.watermark)
    }
}
