import DequeModule
import HeapModule

/// The composite engine: a pure state machine fed one broker delivery at a time, returning what to do as data.
///
/// It implements the matching, event-time decision and acknowledgement rules of the contract (contract `semantics.md`).
/// It performs no I/O and reads no clock; the only notion of time is the publish times of the messages it is given,
/// plus explicit watermark advances from its caller. After a crash a fresh engine rebuilds everything it needs from
/// the messages the broker redelivers, because it never acknowledges a message a pending composite may still need.
public struct CompositeEngine: Sendable {
    public let configuration: EngineConfiguration
    public internal(set) var catalog: ScorerCatalog

    var topicSlots: [TopicSlot] = []
    var topicIndex: [String: Int32] = [:]
    var streams: [StreamState] = []
    var streamIndex: [StreamKey: Int32] = [:]

    /// Every message received and not yet acknowledged.
    var held: Set<HeldRef> = []
    var composites: [OccurrenceKey: PendingComposite] = [:]
    var componentOwners: [OccurrenceKey: ComponentOwner] = [:]
    var candidates: [OccurrenceKey: Candidate] = [:]
    /// Unclaimed candidates per match key, oldest first; entries already claimed or released are skipped lazily.
    var claimable: [MatchKey: Deque<OccurrenceKey>] = [:]
    /// Composites that still want a feature, oldest first; entries that no longer want it are skipped lazily.
    var wanting: [MatchKey: Deque<OccurrenceKey>] = [:]
    /// resultId of a claimed, completed task -> that task.
    var links: [ResultKey: OccurrenceKey] = [:]
    var unlinked: [ResultKey: [UnlinkedScore]] = [:]
    /// Recently decided composites and their tasks, so late copies of their messages do not start them again.
    var decided: Set<OccurrenceKey> = []
    var publications: [PublicationID: InFlightPublication] = [:]
    var lookups: [UInt64: OccurrenceKey] = [:]
    /// Recently dead-lettered messages, so a redelivery of one is acknowledged instead of dead-lettered twice.
    var deadLettered: Set<HeldRef> = []
    var deadLetteredOrder: Deque<HeldRef> = []
    /// How many dead-lettered message ids are remembered.
    static let rememberedDeadLetters = 10_000
    /// Composites whose result an earlier run published, read back after a restart; see `CompositeEngine+Settled`.
    var settled: [OccurrenceKey: SettledComposite] = [:]
    var settledTasks: [OccurrenceKey: OccurrenceKey] = [:]
    var settledResults: [ResultKey: OccurrenceKey] = [:]
    /// Decided composites known from their proofs, and their tasks and resultIds; see `CompositeEngine+Proofs`.
    var proofs: [OccurrenceKey: ProvenComposite] = [:]
    var provenTasks: [OccurrenceKey: OccurrenceKey] = [:]
    var provenResults: [ResultKey: OccurrenceKey] = [:]
    /// Held input messages as carrying sees them; see `CompositeEngine+Carrying`.
    var carrying = CarryLedger()
    /// The latest time carrying knows of: the caller's clock, or the latest publish time read.
    var carryClock = Timestamp.distantPast
    /// Copies read from the state topics before any input, handled once the state topics have been read.
    var deferredCopies: [(carried: CarriedMessage, copy: HeldRef, delivery: Delivery, stream: Int32)] = []
    var deferredCopyRefs: Set<HeldRef> = []
    var inputStarted = false

    var sequence: UInt64 = 0
    var output = ActionBuffer()
    public internal(set) var counters = EngineCounters()

    public init(configuration: EngineConfiguration = EngineConfiguration(), catalog: ScorerCatalog) {
        self.configuration = configuration
        self.catalog = catalog
    }

    // MARK: - Inputs

    /// A message arrived from the broker (for the first time, or again).
    public mutating func receive(_ delivery: Delivery) -> [EngineAction] {
        self.receive(delivery, publishedNoLaterThan: nil)
    }

    /// A message arrived from the broker; an input message published after `limit` (the caller's wall clock plus
    /// the allowed skew) is dead-lettered without moving a watermark: a producer with a wrong clock must not carry
    /// a topic's watermark into the future (contract `semantics.md`, known hazards). The clock stays outside the engine.
    public mutating func receive(_ delivery: Delivery, publishedNoLaterThan limit: Timestamp?) -> [EngineAction] {
        self.counters.messagesReceived += 1
        let slotIndex = self.slot(for: delivery.topic)
        let ref = HeldRef(topic: slotIndex, id: delivery.id)
        // Input comes only after the state topics have been read.
        if !self.inputStarted, !self.topicSlots[Int(slotIndex)].isState { self.handleDeferredCopies() }
        // A redelivery of a message we hold: acknowledging it would release the held copy, so it is ignored. An
        // original that comes back while a carried copy holds it is no hole to keep: only the copy stands for it.
        if self.held.contains(ref) {
            if let location = self.carrying.location(of: ref), location != ref {
                self.acknowledgePhysically(ref)
                return self.output.take()
            }
            self.counters.redeliveriesIgnored += 1
            return []
        }
        if self.deadLettered.contains(ref) {
            self.acknowledge(ref)
            return self.output.take()
        }
        let slot = self.topicSlots[Int(slotIndex)]
        guard let stream = slot.stream else {
            self.deadLetter(
                delivery,
                ref: ref,
                topic: "\(delivery.topic)-\(self.configuration.subscription)-DLQ",
                reason: DeadLetterReason("topic \(delivery.topic) is not a tenant tasks or experiments topic")
            )
            return self.output.take()
        }
        if slot.isState {
            self.stateMessageReceived(delivery, slot: slot, stream: stream, ref: ref)
            return self.output.take()
        }
        if let undecodable = delivery.undecodable {
            // Its publish time may be as damaged as the rest: it moves no watermark.
            self.deadLetter(
                delivery,
                ref: ref,
                topic: slot.topic.deadLetterTopic(subscription: self.configuration.subscription),
                reason: DeadLetterReason("undecodable entry: \(undecodable)")
            )
            return self.output.take()
        }
        if let limit, delivery.publishTime > limit {
            self.deadLetter(
                delivery,
                ref: ref,
                topic: slot.topic.deadLetterTopic(subscription: self.configuration.subscription),
                reason: DeadLetterReason(
                    "published at \(delivery.publishTime), after \(limit): further ahead of the service's clock than "
                        + "the allowed skew"
                )
            )
            return self.output.take()
        }
        self.receiveInput(delivery, slot: slot, stream: stream, ref: ref, isCopy: false)
        return self.output.take()
    }

    /// An input message, or a carried copy standing for one (`isCopy`). A copy was read long after its original:
    /// it moves no watermark and no read position, which the original did when it was first read.
    mutating func receiveInput(_ delivery: Delivery, slot: TopicSlot, stream: Int32, ref: HeldRef, isCopy: Bool) {
        switch EventDecoder.decode(delivery.payload, on: slot.topic) {
        case .failure(let reason):
            if !isCopy { self.advance(stream: stream, kind: slot.kind, to: delivery.publishTime) }
            self.deadLetter(
                delivery,
                ref: ref,
                topic: slot.topic.deadLetterTopic(subscription: self.configuration.subscription),
                reason: reason
            )
        case .success(let event):
            // Results read back carry this service's own publish clock, not the progress of the platform's
            // producers, so they do not move the watermark.
            if case .compositeScoreGenerated = event {
            } else if !isCopy {
                self.advance(stream: stream, kind: slot.kind, to: delivery.publishTime)
            }
            let deadLetters = self.counters.deadLetters
            self.handle(event, stream: stream, ref: ref, at: delivery.publishTime)
            // Held as an input message (not as a dead letter in flight): it may have to be carried one day.
            if !isCopy, self.held.contains(ref), self.counters.deadLetters == deadLetters {
                self.holdForCarrying(
                    ref,
                    delivery: delivery,
                    tenant: slot.topic.kraneTenant,
                    at: ref,
                    since: delivery.publishTime
                )
            }
        }
        guard !isCopy else { return }
        self.read(delivery.id, stream: stream, kind: slot.kind)
        if delivery.publishTime > self.carryClock { self.carryClock = delivery.publishTime }
    }

    /// The broker durably stored a publication (as message `messageID`, when it said): what it settles moves on. A
    /// result is followed by its decision proof; once the proof is stored, the composite's messages are acknowledged.
    public mutating func publicationConfirmed(_ id: PublicationID, messageID: MessageID? = nil) -> [EngineAction] {
        guard let publication = self.publications.removeValue(forKey: id) else { return [] }
        if case .carry(let identity) = publication.stage {
            self.carryConfirmed(identity, id: messageID)
        } else if case .checkpoint(let stream) = publication.stage {
            self.checkpointConfirmed(stream: stream, id: messageID)
        } else if let composite = publication.composite {
            switch publication.stage {
            case .result: self.publishProof(composite)
            case .proof(let proof): self.proofConfirmed(proof, of: composite, id: messageID)
            case .settledProof(let proof): self.settledProofConfirmed(proof, of: composite, id: messageID)
            case .checkpoint, .carry: break
            }
        } else {
            for ref in publication.refs {
                self.acknowledge(ref)
                self.rememberDeadLetter(ref)
            }
        }
        return self.output.take()
    }

    /// The answer to a ``EngineAction/lookUpPatient(_:)``: the patient's record, or `nil` when the directory has no
    /// such patient. Outages must not be reported here; the caller retries them.
    public mutating func patientLookedUp(_ lookup: PatientLookup, record: PatientRecord?) -> [EngineAction] {
        guard let key = self.lookups.removeValue(forKey: lookup.id),
            self.composites[key]?.phase == .awaitingPatient(lookup: lookup.id)
        else { return [] }
        self.score(key, record: record)
        return self.output.take()
    }

    /// The patient directory answered the lookup with a refusal caused by the input (for instance PostgreSQL
    /// rejecting a patient id with a NUL byte): no retry can succeed, so the composite gets an error result naming
    /// `reason`. Outages must not be reported here; the caller retries them.
    public mutating func patientLookupRefused(_ lookup: PatientLookup, reason: String) -> [EngineAction] {
        guard let key = self.lookups.removeValue(forKey: lookup.id),
            self.composites[key]?.phase == .awaitingPatient(lookup: lookup.id)
        else { return [] }
        self.score(key, record: nil, refusal: reason)
        return self.output.take()
    }

    /// A topic has been idle long enough to count as read up to `time` (the caller's wall clock): the only way the
    /// wall clock enters the engine. Never used by replay.
    public mutating func advanceWatermark(topic: String, to time: Timestamp) -> [EngineAction] {
        self.handleDeferredCopies()
        let slot = self.topicSlots[Int(self.slot(for: topic))]
        if let stream = slot.stream { self.advance(stream: stream, kind: slot.kind, to: time) }
        return self.output.take()
    }

    /// Every topic has been read to its end (end of a replay): all watermarks move to +infinity.
    public mutating func endOfInput() -> [EngineAction] {
        self.handleDeferredCopies()
        for stream in self.streams.indices {
            self.advance(stream: Int32(stream), kind: .tasks, to: .distantFuture)
            self.advance(stream: Int32(stream), kind: .experiments, to: .distantFuture)
        }
        return self.output.take()
    }

    /// Replaces the scorers (a reload). Composites waiting for a scorer that now exists start matching; composites
    /// that already claimed tasks keep their requirements.
    public mutating func replaceScorers(_ catalog: ScorerCatalog) -> [EngineAction] {
        self.catalog = catalog
        let waiting = self.composites.values
            .filter { $0.requiredFeatures == nil && $0.phase == .collecting }
            .sorted { $0.order < $1.order }
        for composite in waiting {
            guard let scorer = catalog.scorer(for: composite.task.featureId) else { continue }
            self.composites[composite.key]?.requiredFeatures = scorer.requiredFeatures
            self.claimCandidates(for: composite.key)
            self.evaluate(composite.key)
        }
        return self.output.take()
    }

    private mutating func rememberDeadLetter(_ ref: HeldRef) {
        guard self.deadLettered.insert(ref).inserted else { return }
        self.deadLetteredOrder.append(ref)
        if self.deadLetteredOrder.count > Self.rememberedDeadLetters, let oldest = self.deadLetteredOrder.popFirst() {
            self.deadLettered.remove(oldest)
        }
    }

    // MARK: - Observations

    /// Gauges for metrics and for the bounded-holding guarantee.
    public var statistics: EngineStatistics {
        let heldByComposites = self.composites.values.reduce(0) { $0 + $1.held.count }
        let unlinkedScores = self.unlinked.values.reduce(0) { $0 + $1.count }
        let inFlight = self.publications.values.reduce(0) { $0 + ($1.composite == nil ? $1.refs.count : 0) }
        return EngineStatistics(
            pendingComposites: self.composites.count,
            messagesHeldByComposites: heldByComposites,
            messagesWaitingOnWatermark: self.candidates.count + unlinkedScores
                + self.settled.values.reduce(0) { $0 + $1.held.count + 1 },
            messagesAwaitingPublication: inFlight,
            unacknowledgedMessages: self.held.count,
            oldestPendingSince: self.composites.values.map(\.createdAt).min(),
            proofsHeld: self.proofs.count,
            checkpointsHeld: self.streams.reduce(0) {
                $0 + $1.checkpointsRead.count + ($1.ownCheckpoint == nil ? 0 : 1)
            },
            carriedMessagesHeld: self.carrying.copiesHeld,
            heldPerInputTopic: Dictionary(
                uniqueKeysWithValues: self.carrying.slots.filter { !self.topicSlots[Int($0)].isState }.map {
                    (self.topicSlots[Int($0)].name, self.carrying.heldPerSlot[$0, default: 0])
                }
            )
        )
    }

    /// Every message currently unacknowledged, for tests and inspection.
    public var unacknowledgedMessages: Set<MessageRef> {
        Set(self.held.map(self.messageRef))
    }

    /// What each pending composite is waiting for, oldest first.
    public var pendingComposites: [PendingCompositeSummary] {
        self.composites.values.sorted { $0.order < $1.order }.map(self.summary)
    }

    /// The watermark of every topic seen so far.
    public var watermarks: [(topic: String, watermark: Timestamp)] {
        self.streams.flatMap { stream in
            [
                (topic: stream.topic.sibling(.tasks).fullName, watermark: stream.tasksWatermark),
                (topic: stream.topic.sibling(.experiments).fullName, watermark: stream.experimentsWatermark),
            ]
        }
    }
}

/// Which composite a claimed task belongs to, and as which feature.
struct ComponentOwner {
    var composite: OccurrenceKey
    var feature: String
}

/// A publication not yet confirmed and what it settles.
struct InFlightPublication {
    enum Stage {
        case result
        case proof(DecisionProof)
        /// The proof of a composite settled by its result read back after a restart (`CompositeEngine+Settled`).
        case settledProof(DecisionProof)
        /// A watermark checkpoint of a stream.
        case checkpoint(stream: Int32)
        /// A carried copy of a held message (its identity).
        case carry(HeldRef)
    }

    var refs: [HeldRef]
    /// The composite whose result or proof this is; `nil` for a dead letter.
    var composite: OccurrenceKey?
    var stage = Stage.result
}

/// A tenant's pair of topics.
struct StreamKey: Hashable {
    var brokerTenant: String
    var kraneTenant: String
}

/// Watermarks and timers of one tenant's pair of topics.
struct StreamState {
    var topic: TenantTopic
    var tasksWatermark = Timestamp.distantPast
    var experimentsWatermark = Timestamp.distantPast
    var tasksTimers = Heap<WatermarkTimer>()
    var experimentsTimers = Heap<WatermarkTimer>()
    /// Watermark checkpoints: how far each input topic has been read, per partition; the checkpoint parts read back
    /// and not yet applied; the checkpoint messages held; the last checkpoint published. See
    /// `CompositeEngine+Checkpoints`.
    var tasksRead: [Int32: MessageID] = [:]
    var experimentsRead: [Int32: MessageID] = [:]
    var tasksCheckpoint: WatermarkCheckpoint.Progress?
    var experimentsCheckpoint: WatermarkCheckpoint.Progress?
    var checkpointsRead: [(ref: HeldRef, checkpoint: WatermarkCheckpoint)] = []
    var ownCheckpoint: HeldRef?
    var lastCheckpoint: WatermarkCheckpoint?
    var checkpointInFlight = false
}

/// Actions gathered during one input; acknowledgements are batched into one action.
struct ActionBuffer {
    var actions: [EngineAction] = []
    var acknowledgements: [MessageRef] = []

    mutating func take() -> [EngineAction] {
        if !self.acknowledgements.isEmpty {
            self.actions.append(.acknowledge(self.acknowledgements))
            self.acknowledgements = []
        }
        defer { self.actions = [] }
        return self.actions
    }
}
