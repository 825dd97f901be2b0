import CompositeCore
import Testing

/// Watermark checkpoints (contract `semantics.md`, guarantee 7 and durable holding), on the pure engine.
@Suite struct WatermarkCheckpointTests {
    static let state = "persistent://krane/tasks/acme-events-composite-service-state"
    static let catalog = ScorerCatalog([SumScorer()])

    /// A first run: a composite and its components, then unrelated traffic (acknowledged at once) that carries the
    /// tasks watermark past the decision time. The run decides, checkpoints, and crashes before the broker confirms
    /// the result. Returns what a restarted engine gets back: the checkpoint and the held messages, and the result.
    func crashedRun(_ fixture: inout EngineFixture) throws -> (
        checkpoint: Delivery, held: [Delivery], unrelated: Delivery, result: Publication
    ) {
        var engine = CompositeEngine(catalog: Self.catalog)
        let held = [
            fixture.created(1, feature: "Sum", composite: true, at: 0),
            fixture.created(2, feature: "A", at: 1),
            fixture.created(3, feature: "B", at: 2),
            fixture.completed(2, result: "rA", at: 10),
            fixture.scored("rA", score: "1", at: 11),
            fixture.completed(3, result: "rB", at: 12),
            fixture.scored("rB", score: "1", at: 13),
        ]
        let unrelated = fixture.delivery(
            EngineFixture.tasks,
            at: 20,
            #"{"name":"TaskStarted","version":"v2","tenant":"acme","data":{}}"#
        )
        var actions: [EngineAction] = []
        for delivery in held + [unrelated] { actions += engine.receive(delivery) }
        #expect(actions.acknowledged.contains(unrelated.ref))
        let result = try #require(actions.publications.first { $0.kind == .result(featureId: "Sum", isError: false) })
        let checkpoint = try #require(engine.publishCheckpoints().publications.first)
        #expect(checkpoint.topic == Self.state && checkpoint.kind == .checkpoint)
        #expect(engine.publicationConfirmed(checkpoint.id, messageID: MessageID(entryId: 0)).isEmpty)
        #expect(engine.statistics.checkpointsHeld == 1)
        let read = Delivery(
            topic: Self.state,
            id: MessageID(entryId: 0),
            publishTime: EngineFixture.time(21),
            payload: checkpoint.payload
        )
        return (read, held, unrelated, result)
    }

    /// Guarantee 7: after the restart the decision is taken as soon as the consumer is caught up, without new
    /// traffic, and its result is the first run's, byte for byte.
    @Test func aRestartedEngineDecidesOnceCaughtUpWithoutNewTraffic() throws {
        var fixture = EngineFixture()
        let (checkpoint, held, _, result) = try self.crashedRun(&fixture)

        var withoutCheckpoint = CompositeEngine(catalog: Self.catalog)
        let stalled = held.flatMap { withoutCheckpoint.receive($0) }
        #expect(stalled.publications.isEmpty, "without a checkpoint the restart waits for new traffic")

        var engine = CompositeEngine(catalog: Self.catalog)
        #expect(engine.receive(checkpoint).isEmpty)
        var actions: [EngineAction] = []
        for delivery in held { actions += engine.receive(delivery) }
        #expect(actions.publications.isEmpty, "not applied before the first run's read position is passed")
        #expect(engine.topicsAwaitingCheckpoint == [EngineFixture.tasks])
        let caughtUp = engine.topicCaughtUp(EngineFixture.tasks)
        #expect(caughtUp.publications.map(\.payload) == [result.payload])
        #expect(engine.topicsAwaitingCheckpoint.isEmpty)
        #expect(engine.counters.checkpointsApplied == 2, "the experiments part applied once its position was read")
    }

    /// Reading past the recorded position applies the checkpoint as well: a new message, even one published before
    /// the checkpoint's watermark.
    @Test func readingPastThePositionAppliesTheCheckpoint() throws {
        var fixture = EngineFixture()
        let (checkpoint, held, unrelated, result) = try self.crashedRun(&fixture)
        var engine = CompositeEngine(catalog: Self.catalog)
        _ = engine.receive(checkpoint)
        for delivery in held { _ = engine.receive(delivery) }
        // The unrelated message itself comes back (a broker that forgot its acknowledgement): read past.
        let actions = engine.receive(unrelated)
        #expect(actions.publications.map(\.payload) == [result.payload])
        #expect(engine.counters.checkpointsApplied == 2)
    }

    /// A checkpoint read after the input it covers applies at once.
    @Test func aCheckpointReadAfterItsInputAppliesAtOnce() throws {
        var fixture = EngineFixture()
        let (checkpoint, held, unrelated, result) = try self.crashedRun(&fixture)
        var engine = CompositeEngine(catalog: Self.catalog)
        // A message after the recorded position, though published early: read past, but no decision yet.
        let late = fixture.delivery(
            EngineFixture.tasks,
            at: 12,
            #"{"name":"TaskStarted","version":"v2","tenant":"acme","data":{}}"#
        )
        #expect(late.id > unrelated.id)
        #expect((held + [late]).flatMap { engine.receive($0) }.publications.isEmpty)
        #expect(engine.receive(checkpoint).publications.map(\.payload) == [result.payload])
        #expect(engine.topicsAwaitingCheckpoint.isEmpty)
    }

    /// An engine publishes a checkpoint only when its progress moved, never while one it read back waits to apply,
    /// and its own stored checkpoint releases the ones before it.
    @Test func checkpointsMoveForwardAndOnlyTheLatestIsHeld() throws {
        var fixture = EngineFixture()
        let (checkpoint, held, _, _) = try self.crashedRun(&fixture)
        var engine = CompositeEngine(catalog: Self.catalog)
        _ = engine.receive(checkpoint)
        for delivery in held { _ = engine.receive(delivery) }
        #expect(engine.publishCheckpoints().isEmpty, "not while the read-back checkpoint waits")
        _ = engine.topicCaughtUp(EngineFixture.tasks)
        let own = try #require(engine.publishCheckpoints().publications.first)
        #expect(engine.publishCheckpoints().isEmpty, "one in flight per tenant")
        let confirmed = engine.publicationConfirmed(own.id, messageID: MessageID(entryId: 5))
        #expect(confirmed.acknowledged == [checkpoint.ref], "the read-back checkpoint is superseded")
        #expect(engine.statistics.checkpointsHeld == 1)
        #expect(engine.publishCheckpoints().isEmpty, "nothing moved")
        let json = try JSONParser.parse(own.payload)
        let parsed = try #require(WatermarkCheckpoint(json: json))
        #expect(parsed.tasks.watermark == EngineFixture.time(20), "the applied watermark carries on")
        #expect(parsed.tasks.positions[-1] == MessageID(entryId: 8), "and so does the applied read position")
        #expect(parsed.experiments.watermark == EngineFixture.time(13))
    }

    /// A stale checkpoint (one whose acknowledgement a broker forgot) changes nothing and goes with the next one.
    @Test func aStaleCheckpointChangesNothing() throws {
        var fixture = EngineFixture()
        let (checkpoint, held, unrelated, _) = try self.crashedRun(&fixture)
        var engine = CompositeEngine(catalog: Self.catalog)
        for delivery in held + [unrelated] { _ = engine.receive(delivery) }
        let later = fixture.scored("rX", score: "1", at: 30)
        _ = engine.receive(later)
        #expect(engine.receive(checkpoint).isEmpty)
        #expect(engine.topicsAwaitingCheckpoint.isEmpty)
        let own = try #require(engine.publishCheckpoints().publications.first)
        #expect(engine.publicationConfirmed(own.id, messageID: MessageID(entryId: 9)).acknowledged == [checkpoint.ref])
    }

    @Test func checkpointsRoundTripThroughJSON() throws {
        let checkpoint = WatermarkCheckpoint(
            tenant: "acme",
            tasks: .init(
                watermark: EngineFixture.time(5),
                positions: [
                    0: MessageID(ledgerId: 7, entryId: 3, partition: 0), 1: MessageID(entryId: 9, partition: 1),
                ]
            ),
            experiments: .init(watermark: .distantPast, positions: [:])
        )
        #expect(WatermarkCheckpoint(json: checkpoint.json) == checkpoint)
        #expect(WatermarkCheckpoint(json: try JSONParser.parse(Array(#"{"kind":"watermark-checkpoint"}"#.utf8))) == nil)
        #expect(MessageID(description: "1:2:3") == nil && MessageID(description: "1:2:-1:x") == nil)
    }

    /// A checkpoint of another tenant on this tenant's state topic is dead-lettered.
    @Test func aCheckpointOfAnotherTenantIsDeadLettered() throws {
        let foreign = WatermarkCheckpoint(
            tenant: "other",
            tasks: .init(watermark: EngineFixture.time(5), positions: [:]),
            experiments: .init(watermark: EngineFixture.time(5), positions: [:])
        )
        var engine = CompositeEngine(catalog: Self.catalog)
        let delivery = Delivery(
            topic: Self.state,
            id: MessageID(entryId: 3),
            publishTime: EngineFixture.time(5),
            payload: JSONWriter.encode(foreign.json)
        )
        let actions = engine.receive(delivery)
        #expect(actions.publications.first?.topic == Self.state + "-DLQ")
        #expect(engine.topicsAwaitingCheckpoint.isEmpty)
    }
}
