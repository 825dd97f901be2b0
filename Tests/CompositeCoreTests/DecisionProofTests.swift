import CompositeCore
import Testing

/// Decision proofs (contract `semantics.md`, guarantee 5 and durable holding), on the pure engine.
@Suite struct DecisionProofTests {
    static let state = "persistent://krane/tasks/acme-events-composite-service-state"
    static let catalog = ScorerCatalog([SumScorer()])
    static let day: Int64 = 86_400

    /// A patient's October composite, decided from its own questionnaires: its result and the proof's delivery as a
    /// restarted engine reads it from the state topic.
    func october(_ fixture: inout EngineFixture) throws -> (
        deliveries: [Delivery], result: Publication, proof: Delivery
    ) {
        var engine = CompositeEngine(catalog: Self.catalog)
        let deliveries = [
            fixture.created(1, feature: "Sum", composite: true, at: 0),
            fixture.created(2, feature: "A", at: 1),
            fixture.created(3, feature: "B", at: 2),
            fixture.completed(2, result: "rA-oct", at: 10),
            fixture.scored("rA-oct", score: "1", at: 11),
            fixture.completed(3, result: "rB-oct", at: 12),
            fixture.scored("rB-oct", score: "1", at: 13),
            fixture.delivery(
                EngineFixture.tasks,
                at: 20,
                #"{"name":"TaskStarted","version":"v2","tenant":"acme","data":{}}"#
            ),
        ]
        var actions: [EngineAction] = []
        for delivery in deliveries { actions += engine.receive(delivery) }
        let result = try #require(actions.publications.first { $0.kind == .result(featureId: "Sum", isError: false) })
        let afterResult = engine.publicationConfirmed(result.id)
        let proof = try #require(afterResult.publications.first)
        #expect(proof.topic == Self.state)
        let acknowledged = engine.publicationConfirmed(proof.id, messageID: MessageID(entryId: 0)).acknowledged
        #expect(
            acknowledged.isSuperset(of: deliveries.prefix(7).map(\.ref)),
            "the composite's messages, once the proof is durable"
        )
        let read = Delivery(
            topic: Self.state,
            id: MessageID(entryId: 0),
            publishTime: EngineFixture.time(20),
            payload: proof.payload
        )
        return (deliveries, result, read)
    }

    /// Issue 12's story: the broker forgets the acknowledgement of the October composite's `FutureTaskCreated`, the
    /// service restarts, and January's composite and questionnaires arrive. The October composite must not come back
    /// to life and take January's questionnaires; January is decided from its own.
    @Test func aReturningDecidedCompositeNeverStealsANewCyclesQuestionnaires() throws {
        var fixture = EngineFixture()
        let (october, octoberResult, proof) = try self.october(&fixture)
        var engine = CompositeEngine(catalog: Self.catalog)
        #expect(engine.receive(proof).isEmpty, "the proof is held for its retention")
        #expect(engine.statistics.proofsHeld == 1)
        // The forgotten FutureTaskCreated comes back with its old id, and once more re-published with a new id.
        #expect(engine.receive(october[0]).acknowledged == [october[0].ref])
        let republished = fixture.created(1, feature: "Sum", composite: true, at: 30)
        #expect(engine.receive(republished).acknowledged == [republished.ref])
        // So do a claimed questionnaire, its completion and its score.
        for returning in [october[1], october[3], october[4]] {
            #expect(engine.receive(returning).acknowledged == [returning.ref])
        }
        #expect(engine.statistics.pendingComposites == 0)

        let january = 90 * Self.day
        var actions: [EngineAction] = []
        for delivery in [
            fixture.created(10, feature: "Sum", composite: true, at: january),
            fixture.created(11, feature: "A", at: january + 1),
            fixture.created(12, feature: "B", at: january + 2),
            fixture.completed(11, result: "rA-jan", at: january + 10),
            fixture.scored("rA-jan", score: "2", at: january + 11),
            fixture.completed(12, result: "rB-jan", at: january + 12),
            fixture.scored("rB-jan", score: "3", at: january + 13),
            fixture.delivery(
                EngineFixture.tasks,
                at: january + 20,
                #"{"name":"TaskStarted","version":"v2","tenant":"acme","data":{}}"#
            ),
        ] {
            actions += engine.receive(delivery)
        }
        let results = actions.publications.filter { $0.kind != .proof }
        #expect(results.count == 1)
        let result = try #require(results.first)
        #expect(result.json["data"]?["occurrenceId"] == .number(.integer(10)))
        #expect(result.json["data"]?["score"] == .number(.integer(5)))
        #expect(result.json["data"]?["resultId"] != octoberResult.json["data"]?["resultId"])
        #expect(engine.counters.provenMessagesAcknowledged == 5)
    }

    @Test func aProofIsReleasedOnceTheTasksWatermarkPassesItsRetention() throws {
        var fixture = EngineFixture()
        let (_, _, proof) = try self.october(&fixture)
        var configuration = EngineConfiguration()
        configuration.proofRetention = 30 * Self.day * 1_000
        var engine = CompositeEngine(configuration: configuration, catalog: Self.catalog)
        _ = engine.receive(proof)
        let before = fixture.delivery(
            EngineFixture.tasks,
            at: 20 + 30 * Self.day - 1,
            #"{"name":"TaskStarted","data":{}}"#
        )
        #expect(!engine.receive(before).acknowledged.contains(proof.ref))
        let after = fixture.delivery(EngineFixture.tasks, at: 20 + 30 * Self.day, #"{"name":"TaskStarted","data":{}}"#)
        #expect(engine.receive(after).acknowledged.contains(proof.ref))
        #expect(engine.statistics.proofsHeld == 0)
        // Past its retention a returning message is an ordinary one again.
        #expect(engine.receive(fixture.created(1, feature: "Sum", composite: true, at: 31 * Self.day)).isEmpty)
        #expect(engine.statistics.pendingComposites == 1)
    }

    @Test func aProofReadAfterPartOfItsCompositeSettlesWhatCameBack() throws {
        var fixture = EngineFixture()
        let (october, _, proof) = try self.october(&fixture)
        var engine = CompositeEngine(catalog: Self.catalog)
        _ = engine.receive(october[0])
        _ = engine.receive(october[1])
        #expect(engine.statistics.pendingComposites == 1)
        let actions = engine.receive(proof)
        #expect(actions.acknowledged == [october[0].ref, october[1].ref])
        #expect(actions.publications.isEmpty, "never decided again")
        #expect(engine.statistics.pendingComposites == 0)
        #expect(engine.unacknowledgedMessages == [proof.ref])
    }

    @Test func aReadMarkerIsAcknowledgedAndAnythingElseOnTheStateTopicIsDeadLettered() {
        var engine = CompositeEngine(catalog: Self.catalog)
        let marker = Delivery(
            topic: Self.state,
            id: MessageID(entryId: 3),
            publishTime: EngineFixture.time(0),
            payload: CompositeEngine.readMarker(token: "t")
        )
        #expect(engine.receive(marker).acknowledged == [marker.ref])
        let junk = Delivery(
            topic: Self.state,
            id: MessageID(entryId: 4),
            publishTime: EngineFixture.time(0),
            payload: Array("{}".utf8)
        )
        let actions = engine.receive(junk)
        #expect(actions.publications.map(\.topic) == ["\(Self.state)-DLQ"])
        #expect(
            actions.publications.first?.properties["reason"]
                == "not a decision proof, checkpoint or carried message of tenant acme"
        )
    }

    @Test func proofsRoundTripAndDamagedOnesAreRefused() throws {
        let proof = DecisionProof(
            tenant: "acme",
            occurrence: OccurrenceID("7"),
            resultId: "r",
            claimed: [OccurrenceID("8"), OccurrenceID("x-9")],
            componentResults: ["a", "b"],
            decidedAt: Timestamp(millisecondsSinceEpoch: 1_700_000_000_000)
        )
        #expect(DecisionProof(json: try JSONParser.parse(JSONWriter.encode(proof.json))) == proof)
        for damaged in [
            #"{"kind":"decision-proof","tenant":"acme","occurrence":7,"resultId":"r","claimed":[8],"results":["a"]}"#,
            #"{"kind":"decision-proof","tenant":"acme","occurrence":7,"resultId":"r","claimed":[null],"results":[],"decidedAt":1}"#,
            #"{"kind":"other","tenant":"acme","occurrence":7,"resultId":"r","claimed":[],"results":[],"decidedAt":1}"#,
        ] {
            #expect(DecisionProof(json: try JSONParser.parse(damaged)) == nil, "\(damaged)")
        }
    }
}
