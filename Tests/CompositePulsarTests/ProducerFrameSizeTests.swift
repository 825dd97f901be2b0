import Testing

@testable import CompositePulsar

/// Issue 13, defect 8: the producer checks a message against the broker's limit with its metadata and properties,
/// not its payload alone, so that a dead letter carrying a long reason is refused before it is sent.
@Suite struct ProducerFrameSizeTests {
    @Test func propertiesCountTowardsTheFrameSize() {
        var metadata = MessageMetadata(producerName: "p", sequenceID: 1, publishTime: 0)
        let bare = PulsarProducer.frameSize(metadata: metadata, payload: 1_000)
        metadata.properties = ["reason": String(repeating: "r", count: 100_000), "sourceTopic": "t"]
        let withReason = PulsarProducer.frameSize(metadata: metadata, payload: 1_000)
        #expect(bare >= 1_000 + 64)
        #expect(withReason >= bare + 100_000 + "reason".count + "sourceTopic".count + 1)
    }

    @Test func aMessageOverTheLimitIsATooLargeErrorThatIsNotRetried() {
        let error = PulsarError(.messageTooLarge, "message of 6000000 bytes")
        #expect(!error.isRetriable)
    }
}
