import DequeModule

/// Settling messages: acknowledgements, dead letters, finishing a decided composite and removing it from the
/// matching indexes.
extension CompositeEngine {
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
}
