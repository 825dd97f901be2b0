import CompositeCore
import Testing

/// Carrying held messages forward (contract `semantics.md`, durable holding; guarantee 6), on the pure engine.
@Suite struct CarryingTests {
    static let state = "persistent://krane/tasks/acme-events-composite-service-state"
    static let catalog = ScorerCatalog([SumScorer()])

    static func engine(maxHeld: Int = 500, carryAge: Int64 = 3_600_000) -> CompositeEngine {
        var configuration = EngineConfiguration()
        configuration.maxHeldPerTopic = maxHeld
        configuration.carryAge = carryAge
        return CompositeEngine(configuration: configuration, catalog: Self.catalog)
    }

    /// A composite and its first questionnaire, held on the tasks topic.
    func pending(_ fixture: inout EngineFixture) -> [Delivery] {
        [
            fixture.created(1, feature: "Sum", composite: true, at: 0),
            fixture.created(2, feature: "A", at: 1),
            fixture.created(3, feature: "B", at: 2),
        ]
    }

    /// The rest of the composite's story, which decides it.
    func completion(_ fixture: inout EngineFixture, from seconds: Int64) -> [Delivery] {
        [
            fixture.completed(2, result: "rA", at: seconds),
            fixture.scored("rA", score: "4", at: seconds + 1),
            fixture.completed(3, result: "rB", at: seconds + 2),
            fixture.scored("rB", score: "3", at: seconds + 3),
            fixture.delivery(EngineFixture.tasks, at: seconds + 20, #"{"name":"TaskStarted","data":{}}"#),
        ]
    }

    /// Confirms every carry among `actions` as consecutive entries of the state topic from `entry`; returns the
    /// confirmations' actions and the copies as a restarted engine would read them.
    func confirmCarries(_ actions: [EngineAction], engine: inout CompositeEngine, from entry: inout UInt64) -> (
        actions: [EngineAction], copies: [Delivery]
    ) {
        var confirmed: [EngineAction] = []
        var copies: [Delivery] = []
        for publication in actions.publications where publication.kind == .carry {
            #expect(publication.topic == Self.state)
            let id = MessageID(entryId: entry)
            entry += 1
            confirmed += engine.publicationConfirmed(publication.id, messageID: id)
            copies.append(
                Delivery(
                    topic: Self.state,
                    id: id,
                    publishTime: publication.publishTime ?? EngineFixture.time(0),
                    payload: publication.payload
                )
            )
        }
        return (confirmed, copies)
    }

    @Test func aCarriedMessageKeepsItsIdentityPayloadAndPublishTime() throws {
        var fixture = EngineFixture()
        let original = fixture.created(7, feature: "A", at: 42)
        let carried = CarriedMessage(
            tenant: "acme",
            topic: original.topic,
            id: MessageID(ledgerId: 3, entryId: 9, partition: 2, batchIndex: 1),
            publishTime: original.publishTime,
            key: "p1",
            payload: original.payload
        )
        let read = try #require(CarriedMessage(json: try JSONParser.parse(JSONWriter.encode(carried.json))))
        #expect(read == carried)
        var keyless = carried
        keyless.key = nil
        #expect(CarriedMessage(json: try JSONParser.parse(JSONWriter.encode(keyless.json))) == keyless)
        #expect(CarriedMessage(json: try JSONParser.parse(Array(#"{"kind":"carried-message"}"#.utf8))) == nil)
    }

    @Test func aTopicHoldingMoreThanTheBoundCarriesItsOldestAndAcknowledgesItOnlyOnceTheCopyIsStored() throws {
        var fixture = EngineFixture()
        var engine = Self.engine(maxHeld: 2)
        let held = self.pending(&fixture)
        #expect(engine.receive(held[0]).isEmpty)
        #expect(engine.receive(held[1]).isEmpty)
        let actions = engine.receive(held[2])
        let carry = try #require(actions.publications.first)
        #expect(actions.publications.count == 1 && carry.kind == .carry)
        #expect(actions.acknowledged.isEmpty, "nothing is acknowledged before the copy is stored")
        let copy = try #require(CarriedMessage(json: carry.json))
        #expect(copy.topic == held[0].topic && copy.id == held[0].id && copy.publishTime == held[0].publishTime)
        #expect(copy.payload == held[0].payload)
        #expect(engine.statistics.heldPerInputTopic[EngineFixture.tasks] == 3, "in flight, still held there")

        let confirmed = engine.publicationConfirmed(carry.id, messageID: MessageID(entryId: 0))
        #expect(confirmed.acknowledged == [held[0].ref])
        #expect(engine.statistics.heldPerInputTopic[EngineFixture.tasks] == 2)
        #expect(engine.statistics.carriedMessagesHeld == 1)
        #expect(engine.statistics.pendingComposites == 1, "the composite still holds its message, now as the copy")

        // Deciding the composite acknowledges the copy, not the original again.
        var decided: [EngineAction] = []
        for delivery in self.completion(&fixture, from: 10) { decided += engine.receive(delivery) }
        let result = try #require(decided.publications.first { $0.kind == .result(featureId: "Sum", isError: false) })
        let acknowledged = engine.confirmWithProof(result, proofEntry: 1).acknowledged
        #expect(acknowledged.contains(MessageRef(topic: Self.state, id: MessageID(entryId: 0))))
        #expect(!acknowledged.contains(held[0].ref))
        #expect(engine.statistics.carriedMessagesHeld == 0)
        #expect(engine.statistics.heldPerInputTopic.isEmpty)
    }

    @Test func messagesHeldPastTheCarryAgeAreCarriedWhenTheClockSaysSo() throws {
        var fixture = EngineFixture()
        var engine = Self.engine(carryAge: 60_000)
        for delivery in self.pending(&fixture) { _ = engine.receive(delivery) }
        #expect(engine.carryHeldMessages(now: EngineFixture.time(59)).publications.isEmpty, "none is 60 s old yet")
        let due = engine.carryHeldMessages(now: EngineFixture.time(61))
        #expect(due.publications.count == 2, "the two messages published at 0 and 1 s")
        #expect(due.publications.allSatisfy { $0.publishTime == EngineFixture.time(61) })
        #expect(engine.carryHeldMessages(now: EngineFixture.time(61)).isEmpty, "in flight: not asked for twice")
    }

    @Test func aCopyHeldPastTheCarryAgeIsCarriedAgainAndTheOlderCopyAcknowledged() throws {
        var fixture = EngineFixture()
        var engine = Self.engine(carryAge: 60_000)
        var entry: UInt64 = 0
        for delivery in self.pending(&fixture) { _ = engine.receive(delivery) }
        let first = self.confirmCarries(
            engine.carryHeldMessages(now: EngineFixture.time(100)),
            engine: &engine,
            from: &entry
        )
        #expect(first.copies.count == 3)
        #expect(engine.carryHeldMessages(now: EngineFixture.time(159)).isEmpty)
        let again = engine.carryHeldMessages(now: EngineFixture.time(161))
        #expect(again.publications.count == 3)
        let second = self.confirmCarries(again, engine: &engine, from: &entry)
        #expect(second.actions.acknowledged == Set(first.copies.map(\.ref)))
        #expect(engine.statistics.carriedMessagesHeld == 3)
    }

    /// A crash between storing the copy and acknowledging the original: the restarted engine reads the copy first
    /// (the state topic comes first), then the original; they are one message, and the original's hole is closed.
    @Test func aCopyAndItsOriginalSeenTogetherAreOneMessage() throws {
        var fixture = EngineFixture()
        var engine = Self.engine(maxHeld: 1)
        var entry: UInt64 = 0
        let held = self.pending(&fixture)
        var copies: [Delivery] = []
        for delivery in held {
            // The confirmations' acknowledgements are lost in the crash.
            copies += self.confirmCarries(engine.receive(delivery), engine: &engine, from: &entry).copies
        }
        #expect(copies.count == 2)

        var restarted = Self.engine(maxHeld: 1)
        for copy in copies { #expect(restarted.receive(copy).isEmpty, "copies wait until the state topics are read") }
        #expect(restarted.stateTopicsRead().acknowledged.isEmpty)
        #expect(restarted.counters.carriedMessagesRead == 2)
        #expect(restarted.receive(held[0]).acknowledged == [held[0].ref], "its copy stands for it")
        #expect(restarted.receive(held[1]).acknowledged == [held[1].ref])
        #expect(restarted.receive(held[2]).acknowledged.isEmpty)
        #expect(restarted.receive(copies[0]).isEmpty, "a redelivered copy is ignored")
        var decided: [EngineAction] = []
        for delivery in self.completion(&fixture, from: 10) { decided += restarted.receive(delivery) }
        let result = try #require(decided.publications.first { $0.kind == .result(featureId: "Sum", isError: false) })
        #expect(result.json["data"]?["score"] == .number(.integer(7)))
        let acknowledged = restarted.confirmWithProof(result, proofEntry: 10).acknowledged
        #expect(acknowledged.isSuperset(of: copies.map(\.ref)))
        #expect(restarted.statistics.pendingComposites == 0)
    }

    /// Copies are read first after a restart, long after their originals: they must not claim the topic has been
    /// read up to their publish time, or candidates would be released before the input is back.
    @Test func aCopyMovesNoWatermark() throws {
        var fixture = EngineFixture()
        var engine = Self.engine(maxHeld: 1)
        var entry: UInt64 = 0
        let late = fixture.created(2, feature: "A", at: 5_000)
        let composite = fixture.created(1, feature: "Sum", composite: true, at: 4_000)
        _ = engine.receive(composite)
        let copies = self.confirmCarries(engine.receive(late), engine: &engine, from: &entry).copies
        #expect(copies.count == 1)
        var restarted = Self.engine()
        _ = restarted.receive(copies[0])
        _ = restarted.stateTopicsRead()
        #expect(restarted.counters.carriedMessagesRead == 1)
        #expect(restarted.watermarks.allSatisfy { $0.watermark == .distantPast })
    }

    @Test func aCopyConfirmedAfterItsCompositeWasDecidedIsAcknowledgedAtOnce() throws {
        var fixture = EngineFixture()
        var engine = Self.engine(carryAge: 60_000)
        for delivery in self.pending(&fixture) { _ = engine.receive(delivery) }
        let carries = engine.carryHeldMessages(now: EngineFixture.time(100)).publications
        #expect(carries.count == 3)
        var decided: [EngineAction] = []
        for delivery in self.completion(&fixture, from: 10) { decided += engine.receive(delivery) }
        let result = try #require(decided.publications.first { $0.kind == .result(featureId: "Sum", isError: false) })
        _ = engine.confirmWithProof(result, proofEntry: 0)
        let late = engine.publicationConfirmed(carries[0].id, messageID: MessageID(entryId: 1))
        #expect(late.acknowledged == [MessageRef(topic: Self.state, id: MessageID(entryId: 1))])
        #expect(engine.statistics.carriedMessagesHeld == 0)
    }

    @Test func aCopyNamingAnotherTenantsTopicIsDeadLettered() throws {
        var fixture = EngineFixture()
        let foreign = fixture.delivery(
            "persistent://krane/tasks/other-events",
            at: 1,
            #"{"name":"FutureTaskCreated","version":"v2","tenant":"other","data":{}}"#
        )
        let copy = CarriedMessage(
            tenant: "acme",
            topic: foreign.topic,
            id: foreign.id,
            publishTime: foreign.publishTime,
            key: nil,
            payload: foreign.payload
        )
        var engine = Self.engine()
        _ = engine.receive(
            Delivery(
                topic: Self.state,
                id: MessageID(entryId: 0),
                publishTime: foreign.publishTime,
                payload: JSONWriter.encode(copy.json)
            )
        )
        let actions = engine.stateTopicsRead()
        let deadLetter = try #require(actions.publications.first)
        #expect(deadLetter.topic == Self.state + "-DLQ")
        #expect(deadLetter.properties["reason"]?.contains("not an input topic of this tenant") == true)
    }

    /// Carrying again moves old copies behind newer ones on the state topic; a restarted engine still meets the
    /// messages in their topic's order, or a completion read before its task would be taken for an unknown task.
    @Test func copiesAreHandledInTheirOriginalTopicsOrder() throws {
        var fixture = EngineFixture()
        let composite = fixture.created(1, feature: "Sum", composite: true, at: 0)
        let taskA = fixture.created(2, feature: "A", at: 1)
        let completedA = fixture.completed(2, result: "rA", at: 5)
        func copy(_ delivery: Delivery, entry: UInt64) -> Delivery {
            let carried = CarriedMessage(
                tenant: "acme",
                topic: delivery.topic,
                id: delivery.id,
                publishTime: delivery.publishTime,
                key: nil,
                payload: delivery.payload
            )
            return Delivery(
                topic: Self.state,
                id: MessageID(entryId: entry),
                publishTime: EngineFixture.time(100),
                payload: JSONWriter.encode(carried.json)
            )
        }
        var engine = Self.engine()
        for (entry, delivery) in [completedA, taskA, composite].enumerated() {
            #expect(engine.receive(copy(delivery, entry: UInt64(entry))).isEmpty)
        }
        #expect(engine.stateTopicsRead().acknowledged.isEmpty, "every copy is still needed")
        var actions: [EngineAction] = []
        for delivery in [
            fixture.created(3, feature: "B", at: 6),
            fixture.scored("rA", score: "4", at: 7),
            fixture.completed(3, result: "rB", at: 8),
            fixture.scored("rB", score: "3", at: 9),
            fixture.delivery(EngineFixture.tasks, at: 30, #"{"name":"TaskStarted","data":{}}"#),
        ] {
            actions += engine.receive(delivery)
        }
        let result = try #require(actions.publications.first { $0.kind == .result(featureId: "Sum", isError: false) })
        #expect(result.json["data"]?["score"] == .number(.integer(7)))
    }

    /// A crash after a composite's proof was stored but before its messages were acknowledged leaves copies of them
    /// ahead of the proof on the state topic: they must wait for it, not start the composite again.
    @Test func copiesWaitForTheDecisionProofsStoredAfterThem() throws {
        var fixture = EngineFixture()
        var engine = Self.engine(maxHeld: 1)
        var entry: UInt64 = 0
        var copies: [Delivery] = []
        for delivery in self.pending(&fixture) {
            copies += self.confirmCarries(engine.receive(delivery), engine: &engine, from: &entry).copies
        }
        var decided: [EngineAction] = []
        for delivery in self.completion(&fixture, from: 10) {
            let actions = engine.receive(delivery)
            copies += self.confirmCarries(actions, engine: &engine, from: &entry).copies
            decided += actions
        }
        let result = try #require(decided.publications.first { $0.kind == .result(featureId: "Sum", isError: false) })
        let proof = try #require(engine.publicationConfirmed(result.id).publications.first)
        #expect(proof.kind == .proof)
        // The crash: the proof is stored after the copies; nothing was acknowledged.
        var restarted = Self.engine(maxHeld: 1)
        for copy in copies { #expect(restarted.receive(copy).isEmpty) }
        _ = restarted.receive(
            Delivery(
                topic: Self.state,
                id: MessageID(entryId: entry),
                publishTime: EngineFixture.time(50),
                payload: proof.payload
            )
        )
        let released = restarted.stateTopicsRead()
        #expect(released.acknowledged == Set(copies.map(\.ref)), "the decided composite's copies are released")
        #expect(released.publications.isEmpty, "and it is not decided again")
        #expect(restarted.statistics.pendingComposites == 0)
    }
}
