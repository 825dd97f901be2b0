import CompositeCore
import Testing

/// An entry the broker client could not decode (issue 13, defect 2) is dead-lettered with its raw bytes and the
/// client's reason, and moves no watermark: its publish time is as doubtful as the rest of it.
@Suite struct UndecodableEntryTests {
    @Test func anUndecodableEntryIsDeadLetteredWithItsBytesAndMovesNoWatermark() throws {
        var fixture = EngineFixture()
        var engine = CompositeEngine(catalog: ScorerCatalog([SumScorer()]))
        _ = engine.receive(fixture.created(1, feature: "Sum", composite: true, at: 10))
        let raw: [UInt8] = [0x04, 0x22, 0x4D, 0x18, 0xFF]
        let entry = Delivery(
            topic: EngineFixture.tasks,
            id: MessageID(ledgerId: 3, entryId: 9),
            publishTime: EngineFixture.time(1_000_000),
            payload: raw,
            undecodable: "compressed with LZ4, which this client does not decompress"
        )
        let actions = engine.receive(entry)
        let deadLetter = try #require(actions.publications.first)
        #expect(deadLetter.topic == EngineFixture.tasks + "-composite-service-DLQ")
        #expect(deadLetter.payload == raw)
        #expect(
            deadLetter.properties["reason"]
                == "undecodable entry: compressed with LZ4, which this client does not decompress"
        )
        #expect(engine.watermarks.first { $0.topic == EngineFixture.tasks }?.watermark == EngineFixture.time(10))
        #expect(engine.publicationConfirmed(deadLetter.id).acknowledged == [entry.ref])
        #expect(engine.statistics.pendingComposites == 1)
    }
}
