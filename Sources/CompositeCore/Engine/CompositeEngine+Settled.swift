/// A composite whose result an earlier run already published, and everything of it that came back.
struct SettledComposite {
    /// The `CompositeScoreGenerated` read back: the proof that the composite is decided.
    var proof: HeldRef
    var held: [HeldRef]
    var tasks: [OccurrenceKey]
    var results: [ResultKey]
}

/// Results of an earlier run, read back after a restart.
///
/// A crash between publishing a result and acknowledging what it settled brings the composite's messages back,
/// interleaved in any order with the result itself. Reading the result settles the composite: it is not decided
/// again, and the tasks the result lists are not claimed by anyone else. Nothing of it is acknowledged early, neither
/// the result nor the composite's messages: all of them stay held until the tasks watermark is `decidedRetention`
/// past the result. A further crash therefore brings back the whole composite together with its proof, so the next
/// run rebuilds exactly the same claims before (or after) it reads the proof again.
extension CompositeEngine {
    mutating func resultSeen(
        _ key: OccurrenceKey,
        resultId: String,
        components: [SettledTask],
        ref: HeldRef,
        at time: Timestamp
    ) {
        guard resultId == ResultIdentifier.make(tenant: self.tenant(of: key), occurrence: key.occurrence),
            !self.decided.contains(key), self.settled[key] == nil, self.proofs[key] == nil
        else {
            // Our own result read back after finishing the composite here, or a second copy of a proof.
            self.acknowledge(ref)
            return
        }
        if case .publishing = self.composites[key]?.phase {
            self.acknowledge(ref)
            return
        }
        var entry = SettledComposite(
            proof: ref,
            held: [],
            tasks: components.map { OccurrenceKey(stream: key.stream, occurrence: $0.occurrence) },
            results: components.compactMap { $0.resultId.map { ResultKey(stream: key.stream, resultId: $0) } }
        )
        self.held.insert(ref)
        if let composite = self.composites.removeValue(forKey: key) {
            entry.held = composite.held
            let claimed = self.unindex(composite)
            entry.tasks += claimed.tasks.filter { !entry.tasks.contains($0) }
            entry.results += claimed.results.filter { !entry.results.contains($0) }
        }
        for task in entry.tasks {
            guard let candidate = self.candidates.removeValue(forKey: task) else { continue }
            Self.remove(task, from: &self.claimable, at: candidate.match)
            entry.held.append(candidate.ref)
        }
        for result in entry.results {
            entry.held += (self.unlinked.removeValue(forKey: result) ?? []).map(\.ref)
        }
        self.settled[key] = entry
        for task in entry.tasks { self.settledTasks[task] = key }
        for result in entry.results { self.settledResults[result] = key }
        self.counters.settledByEarlierResult += 1
        self.publishSettledProof(key, entry: entry, at: time)
        let anchor = max(self.streams[Int(key.stream)].tasksWatermark, time)
        self.schedule(
            .releaseSettled(key),
            stream: key.stream,
            kind: .tasks,
            at: anchor.adding(milliseconds: self.configuration.decidedRetention)
        )
    }

    /// Holds a message that belongs to a settled composite; returns whether it did.
    mutating func holdForSettledComposite(_ event: KraneEvent, stream: Int32, ref: HeldRef) -> Bool {
        guard !self.settled.isEmpty else { return false }
        let owner: OccurrenceKey?
        switch event {
        case .taskCreated(let task):
            owner = self.settledOwner(of: OccurrenceKey(stream: stream, occurrence: task.occurrence))
        case .taskExpired(let occurrence):
            owner = self.settledOwner(of: OccurrenceKey(stream: stream, occurrence: occurrence))
        case .taskCompleted(let occurrence, let resultId):
            owner = self.settledOwner(of: OccurrenceKey(stream: stream, occurrence: occurrence))
            if let owner {
                let result = ResultKey(stream: stream, resultId: resultId)
                if self.settledResults[result] == nil {
                    self.settledResults[result] = owner
                    self.settled[owner]!.results.append(result)
                }
                self.settled[owner]!.held += (self.unlinked.removeValue(forKey: result) ?? []).map(\.ref)
            }
        case .scoreGenerated(let score):
            owner = self.settledResults[ResultKey(stream: stream, resultId: score.resultId)]
        case .compositeScoreGenerated, .unrelated:
            owner = nil
        }
        guard let owner else { return false }
        self.held.insert(ref)
        self.settled[owner]!.held.append(ref)
        return true
    }

    private func settledOwner(of occurrence: OccurrenceKey) -> OccurrenceKey? {
        self.settled[occurrence] != nil ? occurrence : self.settledTasks[occurrence]
    }

    /// The retention has passed: acknowledge the composite's messages, then its proof.
    mutating func releaseSettled(_ key: OccurrenceKey) {
        guard let entry = self.settled.removeValue(forKey: key) else { return }
        for task in entry.tasks { self.settledTasks[task] = nil }
        for result in entry.results { self.settledResults[result] = nil }
        for ref in entry.held { self.acknowledge(ref) }
        self.acknowledge(entry.proof)
        self.rememberDecided(
            [key] + entry.tasks,
            stream: key.stream,
            from: self.streams[Int(key.stream)].tasksWatermark
        )
    }
}
