import CompositeCore
import Testing

/// A producer with a wrong clock (contract `semantics.md`, known hazards): an input message published after the caller's
/// limit (its wall clock plus the allowed skew) is dead-lettered and moves no watermark.
@Suite struct FarFuturePublishTimeTests {
    static let catalog = ScorerCatalog([SumScorer()])

    @Test func aMessageAfterTheLimitIsDeadLetteredAndMovesNoWatermark() throws {
        var fixture = EngineFixture()
        var engine = CompositeEngine(catalog: Self.catalog)
        let limit = EngineFixture.time(100)
        var actions: [EngineAction] = []
        for delivery in [
            fixture.created(1, feature: "Sum", composite: true, at: 0),
            fixture.created(2, feature: "A", at: 1),
        ] {
            actions += engine.receive(delivery, publishedNoLaterThan: limit)
        }
        #expect(actions.isEmpty)
        let future = fixture.delivery(
            EngineFixture.tasks,
            at: 86_400 * 365 * 70,
            #"{"name":"TaskStarted","version":"v2","tenant":"acme","data":{}}"#
        )
        let refused = engine.receive(future, publishedNoLaterThan: limit)
        let deadLetter = try #require(refused.publications.first)
        #expect(deadLetter.topic == EngineFixture.tasks + "-composite-service-DLQ")
        #expect(deadLetter.payload == future.payload)
        #expect(
            deadLetter.properties["reason"]
                == "published at \(future.publishTime), after \(limit): further ahead of the service's clock than "
                + "the allowed skew"
        )
        #expect(engine.watermarks.first { $0.topic == EngineFixture.tasks }?.watermark == EngineFixture.time(1))
        #expect(engine.publicationConfirmed(deadLetter.id).acknowledged == [future.ref])
        // The candidate is still claimed, the composite still pending: matching goes on.
        #expect(engine.statistics.pendingComposites == 1)
        #expect(engine.pendingComposites.first?.waitingFor.contains("A: task 2 not completed") == true)
        // A message exactly at the limit is accepted.
        let atLimit = fixture.delivery(
            EngineFixture.tasks,
            at: 100,
            #"{"name":"TaskStarted","version":"v2","tenant":"acme","data":{}}"#
        )
        #expect(engine.receive(atLimit, publishedNoLaterThan: limit).publications.isEmpty)
        #expect(engine.watermarks.first { $0.topic == EngineFixture.tasks }?.watermark == limit)
    }
}
