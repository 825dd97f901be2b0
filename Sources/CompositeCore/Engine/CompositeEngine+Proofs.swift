/// A decided composite known from its proof: what a returning message of it is recognised by.
struct ProvenComposite {
    /// The proof's message on the state topic; `nil` until the broker's receipt (or the read-back) names it.
    var ref: HeldRef?
    var tasks: [OccurrenceKey]
    var results: [ResultKey]
}

/// Decision proofs (contract `semantics.md`, durable holding): once a composite's result is durable, a proof goes to the
/// tenant's state topic, and only once that is durable are the composite's messages acknowledged. The proof stays
/// unacknowledged for `proofRetention` of event time, so any process reads it back after a restart; a message of the
/// decided composite that comes back in that time (a broker that forgot an acknowledgement, a producer that
/// re-published it under a new id) is acknowledged at once: the composite is never decided again, its tasks never
/// claimed again, their scores never attached again.
extension CompositeEngine {
    /// The result is durable: publish the proof. The composite's messages stay held until the proof is durable too.
    mutating func publishProof(_ key: OccurrenceKey) {
        guard let composite = self.composites[key] else { return }
        let stream = self.streams[Int(key.stream)]
        let proof = DecisionProof(
            tenant: stream.topic.kraneTenant,
            occurrence: key.occurrence,
            resultId: ResultIdentifier.make(tenant: stream.topic.kraneTenant, occurrence: key.occurrence),
            claimed: composite.components.values.map(\.occurrence).sorted { $0.text < $1.text },
            componentResults: composite.components.values.compactMap(\.resultId).sorted(),
            decidedAt: max(stream.tasksWatermark, composite.createdAt)
        )
        self.publishProof(proof, for: key, stage: .proof(proof))
    }

    /// A composite settled by its result read back (a crash fell between the result and its proof): its proof is
    /// published now, from what the result lists and what came back with it.
    mutating func publishSettledProof(_ key: OccurrenceKey, entry: SettledComposite, at time: Timestamp) {
        let stream = self.streams[Int(key.stream)]
        let proof = DecisionProof(
            tenant: stream.topic.kraneTenant,
            occurrence: key.occurrence,
            resultId: ResultIdentifier.make(tenant: stream.topic.kraneTenant, occurrence: key.occurrence),
            claimed: entry.tasks.map(\.occurrence).sorted { $0.text < $1.text },
            componentResults: entry.results.map(\.resultId).sorted(),
            decidedAt: max(stream.tasksWatermark, time)
        )
        self.publishProof(proof, for: key, stage: .settledProof(proof))
    }

    /// The proof of a settled composite is durable: release what the settled composite held, keep the proof.
    mutating func settledProofConfirmed(_ proof: DecisionProof, of key: OccurrenceKey, id: MessageID?) {
        self.releaseSettled(key)
        self.keep(proof, key: key, storedAs: id)
    }

    private mutating func publishProof(_ proof: DecisionProof, for key: OccurrenceKey, stage: InFlightPublication.Stage)
    {
        self.sequence += 1
        let id = PublicationID(rawValue: self.sequence)
        self.publications[id] = InFlightPublication(refs: [], composite: key, stage: stage)
        self.output.actions.append(
            .publish(
                Publication(
                    id: id,
                    topic: self.streams[Int(key.stream)].topic.stateTopic(
                        subscription: self.configuration.subscription
                    ),
                    payload: JSONWriter.encode(proof.json),
                    kind: .proof
                )
            )
        )
    }

    /// The proof is durable (its id, when the broker named one): acknowledge the composite's messages and keep the
    /// proof until its retention has passed.
    mutating func proofConfirmed(_ proof: DecisionProof, of key: OccurrenceKey, id: MessageID?) {
        self.finish(key)
        self.keep(proof, key: key, storedAs: id)
    }

    /// Holds our own proof, stored on the state topic as message `id`, until its retention has passed.
    private mutating func keep(_ proof: DecisionProof, key: OccurrenceKey, storedAs id: MessageID?) {
        let state = self.stateSlot(of: key.stream)
        let ref = id.map { HeldRef(topic: state, id: $0) }
        if let ref { self.held.insert(ref) }
        self.record(proof, key: key, ref: ref)
    }

    /// A message on a state topic: a proof read back (after a restart, or our own), or something this version does
    /// not know, which is dead-lettered.
    mutating func stateMessageReceived(_ delivery: Delivery, slot: TopicSlot, stream: Int32, ref: HeldRef) {
        let json = try? JSONParser.parse(delivery.payload)
        if json?["kind"]?.stringValue == Self.readMarkerKind {
            // A restarted service's marker: it has served its purpose once read.
            self.acknowledge(ref)
            return
        }
        if let json, let carried = CarriedMessage(json: json),
            carried.tenant == self.streams[Int(stream)].topic.kraneTenant
        {
            self.carriedMessageRead(carried, copy: ref, delivery: delivery, stream: stream)
            return
        }
        if let json, let checkpoint = WatermarkCheckpoint(json: json),
            checkpoint.tenant == self.streams[Int(stream)].topic.kraneTenant
        {
            self.checkpointRead(checkpoint, stream: stream, ref: ref)
            return
        }
        guard let json, let proof = DecisionProof(json: json),
            proof.tenant == self.streams[Int(stream)].topic.kraneTenant
        else {
            self.deadLetter(
                delivery,
                ref: ref,
                topic: "\(delivery.topic)-DLQ",
                reason: DeadLetterReason(
                    "not a decision proof, checkpoint or carried message of tenant \(slot.topic.kraneTenant)"
                )
            )
            return
        }
        let key = OccurrenceKey(stream: stream, occurrence: proof.occurrence)
        if let known = self.proofs[key] {
            if known.ref == nil {
                self.proofs[key]!.ref = ref
                self.held.insert(ref)
            } else {
                // A second proof of the same decision (a crash between publishing one and recording it).
                self.acknowledge(ref)
            }
            return
        }
        // Whatever of the composite came back before its proof belongs to a decided composite.
        if let composite = self.composites.removeValue(forKey: key) {
            for held in composite.held { self.acknowledge(held) }
            _ = self.unindex(composite)
        }
        for occurrence in proof.claimed {
            let task = OccurrenceKey(stream: stream, occurrence: occurrence)
            if let owner = self.componentOwners[task], owner.composite != key {
                // Claimed here by another composite before the proof was read: the engine was started without its
                // proofs. Nothing can be undone now; it is counted, and the state topic is read first to prevent it.
                self.counters.proofsReadLate += 1
            }
            self.releaseCandidate(task)
        }
        for resultId in proof.componentResults {
            for score in self.unlinked.removeValue(forKey: ResultKey(stream: stream, resultId: resultId)) ?? [] {
                self.acknowledge(score.ref)
            }
        }
        self.held.insert(ref)
        self.record(proof, key: key, ref: ref)
    }

    /// The `kind` of the marker a starting service publishes to each state topic: once it has read its own marker
    /// back, it has read every proof stored before it.
    public static let readMarkerKind = "read-marker"

    /// A read marker's payload.
    public static func readMarker(token: String) -> [UInt8] {
        JSONWriter.encode(.object(JSONObject([("kind", .string(Self.readMarkerKind)), ("token", .string(token))])))
    }

    /// Acknowledges `event` at once when it belongs to a proven composite; returns whether it did.
    mutating func acknowledgeIfProven(_ event: KraneEvent, stream: Int32, ref: HeldRef) -> Bool {
        guard !self.proofs.isEmpty else { return false }
        let proven: Bool
        switch event {
        case .taskCreated(let task):
            proven = self.isProven(OccurrenceKey(stream: stream, occurrence: task.occurrence))
        case .taskCompleted(let occurrence, _), .taskExpired(let occurrence):
            proven = self.isProven(OccurrenceKey(stream: stream, occurrence: occurrence))
        case .scoreGenerated(let score):
            proven = self.provenResults[ResultKey(stream: stream, resultId: score.resultId)] != nil
        case .compositeScoreGenerated(let occurrence, _, _):
            proven = occurrence.map { self.proofs[OccurrenceKey(stream: stream, occurrence: $0)] != nil } ?? false
        case .unrelated:
            proven = false
        }
        guard proven else { return false }
        self.counters.provenMessagesAcknowledged += 1
        self.acknowledge(ref)
        return true
    }

    /// The retention has passed: the proof is released. Not at the end of a replay (an infinite watermark): that
    /// decides what can be decided, but a replay may go on with restarts and forgotten acknowledgements, and the proofs
    /// must still be there for them.
    mutating func releaseProof(_ key: OccurrenceKey) {
        guard self.streams[Int(key.stream)].tasksWatermark != .distantFuture else { return }
        guard let entry = self.proofs.removeValue(forKey: key) else { return }
        for task in entry.tasks { self.provenTasks[task] = nil }
        for result in entry.results { self.provenResults[result] = nil }
        if let ref = entry.ref { self.acknowledge(ref) }
    }

    private func isProven(_ occurrence: OccurrenceKey) -> Bool {
        self.proofs[occurrence] != nil || self.provenTasks[occurrence] != nil
    }

    private mutating func record(_ proof: DecisionProof, key: OccurrenceKey, ref: HeldRef?) {
        if let known = self.proofs[key]?.ref, let ref, known != ref {
            // A second proof of one decision: the first one read stays, this one goes.
            self.acknowledge(ref)
            return
        }
        let entry = ProvenComposite(
            ref: ref,
            tasks: proof.claimed.map { OccurrenceKey(stream: key.stream, occurrence: $0) },
            results: proof.componentResults.map { ResultKey(stream: key.stream, resultId: $0) }
        )
        self.proofs[key] = entry
        for task in entry.tasks { self.provenTasks[task] = key }
        for result in entry.results { self.provenResults[result] = key }
        let expiry = proof.decidedAt.adding(milliseconds: self.configuration.proofRetention)
        let watermark = self.streams[Int(key.stream)].tasksWatermark
        if expiry <= watermark {
            self.releaseProof(key)
        } else {
            self.schedule(.releaseProof(key), stream: key.stream, kind: .tasks, at: expiry)
        }
    }
}
