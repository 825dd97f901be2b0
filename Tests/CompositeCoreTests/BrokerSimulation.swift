import CompositeCore

/// Runs the engine over a simulated Pulsar subscription: per-topic order, individual acknowledgements, redelivery of
/// everything unacknowledged after a crash. Chaos is injected between any two effects.
struct BrokerSimulation {
    struct Chaos {
        var interleaveRandomly = false
        /// Probability of a crash before each effect and after each delivery.
        var crashProbability = 0.0
        var maximumCrashes = 40
        /// Probability that a delivery is immediately delivered again with the same id.
        var duplicateProbability = 0.0
        /// Probability of a watermark checkpoint after each delivery; a caught-up topic is reported to the engine.
        var checkpointProbability = 0.0
        /// Probability of asking the engine to carry held messages forward after each delivery (the service does it
        /// every second); the bound on held messages per topic applies on every delivery regardless.
        var carryProbability = 0.0
        /// Up to this many deliveries are fed to the engine before any of their effects runs, as the service reads
        /// what its consumer has buffered and publishes the batch's results in one transaction (group commit): the
        /// engine then receives messages while its earlier publications are still in flight.
        var batchSize = 1
        /// Record every delivery, publication, acknowledgement and crash in ``Outcome/trace`` (for debugging).
        var trace = false
    }

    struct Stored {
        var id: MessageID
        var seconds: Int64
        var payload: [UInt8]
        var sequence: Int
    }

    /// What a run produced.
    struct Outcome {
        /// Result payloads in publication order (duplicates included).
        var results: [[UInt8]] = []
        /// Results that may legitimately appear twice: a crash fell between their publication and acknowledgements.
        var interruptedResults: Set<[UInt8]> = []
        /// Step at which each message was first acknowledged.
        var acknowledgedAt: [MessageRef: Int] = [:]
        /// Step at which each result payload was first published.
        var publishedAt: [[UInt8]: Int] = [:]
        /// The messages each confirmation acknowledged, by result payload (the result's contributors).
        var contributors: [[UInt8]: Set<MessageRef>] = [:]
        /// Unacknowledged messages of the input topics.
        var unacknowledgedAtEnd: Set<MessageRef> = []
        var engineUnacknowledgedAtEnd: Set<MessageRef> = []
        /// Unacknowledged messages of the state topics (decision proofs), and the proofs the engine holds.
        var unacknowledgedProofsAtEnd = 0
        var proofsHeldAtEnd = 0
        var checkpointsHeldAtEnd = 0
        var checkpointsApplied = 0
        /// Carried copies on the state topics at the end, and input messages still unacknowledged although a copy
        /// stands for them (a hole the engine forgot to close).
        var copiesAtEnd = 0
        var originalsBesideCopiesAtEnd = 0
        var messagesCarried = 0
        /// The most acknowledgement holes seen on one input topic at any observation.
        var maximumHoles = 0
        var heldByCompositesAtEnd = 0
        var pendingAtEnd = 0
        var crashes = 0
        var trace: [String] = []
    }

    var topics: [String: [Stored]] = [:]
    var acknowledged: [String: Set<UInt64>] = [:]
    /// Carried copies: the message each stands for, and the copies of each message.
    var copyOwners: [MessageRef: MessageRef] = [:]
    var copies: [MessageRef: [MessageRef]] = [:]
    var sequence = 0

    init(_ scenario: [String: [ScenarioMessage]]) {
        // Publish order across topics: by time, tasks first on ties, which is one valid single-consumer order.
        let all = scenario.flatMap { topic, messages in messages.enumerated().map { (topic, $0.offset, $0.element) } }
            .sorted { ($0.2.seconds, $0.0, $0.1) < ($1.2.seconds, $1.0, $1.1) }
        for (topic, _, message) in all {
            self.append(to: topic, seconds: message.seconds, payload: Array(message.payload.utf8))
        }
    }

    @discardableResult
    mutating func append(to topic: String, seconds: Int64, payload: [UInt8]) -> MessageID {
        self.sequence += 1
        let id = MessageID(entryId: UInt64(self.topics[topic]?.count ?? 0))
        self.topics[topic, default: []].append(
            Stored(id: id, seconds: seconds, payload: payload, sequence: self.sequence)
        )
        return id
    }

    static func time(_ seconds: Int64) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: 1_700_000_000_000 + seconds * 1_000)
    }

    mutating func run(configuration: EngineConfiguration, chaos: Chaos, seed: UInt64) -> Outcome {
        var random = ScenarioRandom(state: seed)
        var outcome = Outcome()
        var engine = CompositeEngine(configuration: configuration, catalog: ScorerCatalog(ScenarioGenerator.scorers))
        var cursors: [String: Int] = [:]
        var endOfInputSent = false
        var step = 0
        var awaitingAcknowledgement: Set<[UInt8]> = []
        var publicationPayloads: [PublicationID: [UInt8]] = [:]

        func crash() {
            outcome.crashes += 1
            if chaos.trace { outcome.trace.append("CRASH") }
            outcome.interruptedResults.formUnion(awaitingAcknowledgement)
            awaitingAcknowledgement = []
            publicationPayloads = [:]
            engine = CompositeEngine(configuration: configuration, catalog: ScorerCatalog(ScenarioGenerator.scorers))
            cursors = [:]
            endOfInputSent = false
        }
        func maybeCrash() -> Bool {
            guard outcome.crashes < chaos.maximumCrashes, random.chance(chaos.crashProbability) else { return false }
            crash()
            return true
        }

        delivering: while true {
            step += 1
            var actions: [EngineAction]
            func deliver(_ topic: String, _ stored: Stored) -> [EngineAction] {
                let delivery = Delivery(
                    topic: topic,
                    id: stored.id,
                    publishTime: Self.time(stored.seconds),
                    payload: stored.payload
                )
                if chaos.trace {
                    outcome.trace.append(
                        "DELIVER \(topic.hasSuffix("-state") ? "S" : topic.contains("tasks") ? "T" : "E")\(topic.contains("acme") ? "acme" : "beta")#\(stored.id.entryId) \(String(decoding: stored.payload.prefix(180), as: UTF8.self))"
                    )
                }
                var actions = engine.receive(delivery)
                if random.chance(chaos.duplicateProbability) { actions += engine.receive(delivery) }
                // As the service does, clock-driven work starts once the state topics have been read (its gate).
                let stateRead = !topic.hasSuffix("-state")
                if stateRead, random.chance(chaos.checkpointProbability) {
                    // As the service does: topics caught up apply a checkpoint read back; checkpoints from time to time.
                    for topic in engine.topicsAwaitingCheckpoint where self.isCaughtUp(topic, cursors: cursors) {
                        outcome.checkpointsApplied += 1
                        actions += engine.topicCaughtUp(topic)
                    }
                    actions += engine.publishCheckpoints()
                }
                if stateRead, random.chance(chaos.carryProbability) { actions += engine.carryHeldMessages(now: nil) }
                return actions
            }
            if let (topic, stored) = self.next(cursors: &cursors, randomly: chaos.interleaveRandomly, random: &random) {
                actions = deliver(topic, stored)
                let batch = chaos.batchSize > 1 ? 1 + Int(random.next() % UInt64(chaos.batchSize)) : 1
                for _ in 1..<batch {
                    guard
                        let (topic, stored) = self.next(
                            cursors: &cursors,
                            randomly: chaos.interleaveRandomly,
                            random: &random
                        )
                    else { break }
                    actions += deliver(topic, stored)
                }
            } else if !endOfInputSent {
                endOfInputSent = true
                actions = engine.endOfInput()
            } else {
                break delivering
            }
            var queue = actions[...]
            while let action = queue.popFirst() {
                if maybeCrash() { continue delivering }
                step += 1
                switch action {
                case .publish(let publication):
                    if chaos.trace {
                        outcome.trace.append(
                            "PUBLISH \(String(decoding: publication.payload.prefix(200), as: UTF8.self))"
                        )
                    }
                    let topic = publication.topic
                    let id = self.append(
                        to: topic,
                        seconds: publication.publishTime.map(Self.seconds) ?? self.topics[topic]?.last?.seconds ?? 0,
                        payload: publication.payload
                    )
                    if publication.kind == .carry, let json = try? JSONParser.parse(publication.payload),
                        let carried = CarriedMessage(json: json)
                    {
                        let copy = MessageRef(topic: topic, id: id)
                        let identity = MessageRef(topic: carried.topic, id: carried.id)
                        self.copyOwners[copy] = identity
                        self.copies[identity, default: []].append(copy)
                    }
                    if case .result = publication.kind {
                        outcome.results.append(publication.payload)
                        if outcome.publishedAt[publication.payload] == nil {
                            outcome.publishedAt[publication.payload] = step
                        }
                        awaitingAcknowledgement.insert(publication.payload)
                        publicationPayloads[publication.id] = publication.payload
                    }
                    let confirmed = engine.publicationConfirmed(publication.id, messageID: id)
                    if let payload = publicationPayloads[publication.id] {
                        outcome.contributors[payload, default: []].formUnion(
                            confirmed.acknowledged.map { self.copyOwners[$0] ?? $0 }
                        )
                        awaitingAcknowledgement.remove(payload)
                        // A result's confirmation publishes its decision proof, whose confirmation acknowledges the
                        // contributors; both run as later effects, and a crash before them leaves the result
                        // interrupted.
                        for case .publish(let next) in confirmed where next.kind == .proof {
                            publicationPayloads[next.id] = payload
                            awaitingAcknowledgement.insert(payload)
                        }
                        if !confirmed.acknowledged.isEmpty { awaitingAcknowledgement.insert(payload) }
                    }
                    queue = confirmed[...] + queue
                case .acknowledge(let refs):
                    if chaos.trace {
                        outcome.trace.append(
                            "ACK \(refs.map { "\($0.topic.hasSuffix("-state") ? "S" : $0.topic.contains("tasks") ? "T" : "E")\($0.topic.contains("acme") ? "acme" : "beta")#\($0.id.entryId)" })"
                        )
                    }
                    for ref in refs {
                        self.acknowledged[ref.topic, default: []].insert(ref.id.entryId)
                        // A message is released once neither its original nor any copy of it is left unacknowledged.
                        let identity = self.copyOwners[ref] ?? ref
                        if outcome.acknowledgedAt[identity] == nil, self.isReleased(identity) {
                            outcome.acknowledgedAt[identity] = step
                        }
                    }
                    let identities = Set(refs.map { self.copyOwners[$0] ?? $0 })
                    awaitingAcknowledgement = awaitingAcknowledgement.filter { payload in
                        !(outcome.contributors[payload].map { !$0.isDisjoint(with: identities) } ?? false)
                    }
                case .lookUpPatient(let lookup):
                    queue =
                        engine.patientLookedUp(lookup, record: ScenarioGenerator.record(for: lookup.patientId))[...]
                        + queue
                }
            }
            if chaos.carryProbability > 0 { outcome.maximumHoles = max(outcome.maximumHoles, self.maximumHoles()) }
            _ = maybeCrash()
        }
        var originals: Set<MessageRef> = []
        for (topic, log) in self.topics where !topic.hasSuffix("-DLQ") {
            for stored in log where !(self.acknowledged[topic]?.contains(stored.id.entryId) ?? false) {
                if topic.hasSuffix("-state") {
                    if let json = try? JSONParser.parse(stored.payload), let carried = CarriedMessage(json: json) {
                        // A carried copy stands for its original: one unacknowledged message.
                        outcome.copiesAtEnd += 1
                        outcome.unacknowledgedAtEnd.insert(MessageRef(topic: carried.topic, id: carried.id))
                    } else {
                        outcome.unacknowledgedProofsAtEnd += 1
                    }
                } else {
                    originals.insert(MessageRef(topic: topic, id: stored.id))
                }
            }
        }
        outcome.originalsBesideCopiesAtEnd = originals.intersection(outcome.unacknowledgedAtEnd).count
        outcome.unacknowledgedAtEnd.formUnion(originals)
        outcome.messagesCarried = engine.counters.messagesCarried
        outcome.engineUnacknowledgedAtEnd = engine.unacknowledgedMessages.filter { !$0.topic.hasSuffix("-state") }
        outcome.proofsHeldAtEnd = engine.statistics.proofsHeld
        outcome.checkpointsHeldAtEnd = engine.statistics.checkpointsHeld
        outcome.heldByCompositesAtEnd = engine.statistics.messagesHeldByComposites
        outcome.pendingAtEnd = engine.statistics.pendingComposites
        return outcome
    }

    func isAcknowledged(_ ref: MessageRef) -> Bool {
        self.acknowledged[ref.topic]?.contains(ref.id.entryId) ?? false
    }

    func isReleased(_ identity: MessageRef) -> Bool {
        self.isAcknowledged(identity) && (self.copies[identity] ?? []).allSatisfy(self.isAcknowledged)
    }

    static func seconds(_ time: Timestamp) -> Int64 {
        (time.millisecondsSinceEpoch - 1_700_000_000_000) / 1_000
    }

    /// The acknowledgement holes on the input topic with the most: unacknowledged messages followed by an
    /// acknowledged one (what Pulsar has to persist as individually acknowledged ranges).
    func maximumHoles() -> Int {
        var maximum = 0
        for (topic, log) in self.topics where !topic.hasSuffix("-DLQ") && !topic.hasSuffix("-state") {
            let acknowledged = self.acknowledged[topic] ?? []
            var holes = 0
            var gapOpen = false
            for stored in log {
                if acknowledged.contains(stored.id.entryId) {
                    if gapOpen { holes += 1 }
                    gapOpen = false
                } else {
                    gapOpen = true
                }
            }
            maximum = max(maximum, holes)
        }
        return maximum
    }

    /// Whether everything unacknowledged on `topic` has been delivered since the last start.
    func isCaughtUp(_ topic: String, cursors: [String: Int]) -> Bool {
        let log = self.topics[topic] ?? []
        return log[(cursors[topic] ?? 0)...].allSatisfy { self.acknowledged[topic]?.contains($0.id.entryId) ?? false }
    }

    /// The next unacknowledged message after the cursor of each subscribed topic; dead-letter topics are not consumed.
    func next(cursors: inout [String: Int], randomly: Bool, random: inout ScenarioRandom) -> (String, Stored)? {
        var heads: [(String, Stored)] = []
        for topic in self.topics.keys.sorted() where !topic.hasSuffix("-DLQ") {
            let log = self.topics[topic]!
            var position = cursors[topic] ?? 0
            while position < log.count, self.acknowledged[topic]?.contains(log[position].id.entryId) ?? false {
                position += 1
            }
            cursors[topic] = position
            if position < log.count { heads.append((topic, log[position])) }
        }
        guard !heads.isEmpty else { return nil }
        // The service reads its state topics (decision proofs) before anything else after a start (StateTopicGate).
        if let state = heads.first(where: { $0.0.hasSuffix("-state") }) {
            cursors[state.0]! += 1
            return state
        }
        let chosen =
            randomly
            ? heads[Int.random(in: 0..<heads.count, using: &random)]
            : heads.min { $0.1.sequence < $1.1.sequence }!
        cursors[chosen.0]! += 1
        return chosen
    }
}
