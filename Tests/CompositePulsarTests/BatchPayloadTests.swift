import Testing

@testable import CompositePulsar

/// A batch's message count comes from the producer: counts the entry cannot hold are refused before anything is
/// allocated or iterated.
@Suite struct BatchPayloadTests {
    static let body = BatchPayload.pack([
        (SingleMessageMetadata(payloadSize: 20), Array(1...20)),
        (SingleMessageMetadata(payloadSize: 0), []),
    ])

    @Test(arguments: [-1, Int(Int32.min), 0])
    func aCountBelowOneIsRefused(_ count: Int) {
        let error = #expect(throws: PulsarError.self) { try BatchPayload.unpack(Self.body, count: count) }
        #expect(error?.code == .malformed)
        #expect(error?.reason == "batch metadata claims \(count) messages in the batch")
    }

    @Test func aCountOfInt32MaxIsRefusedBeforeAllocating() {
        let error = #expect(throws: PulsarError.self) {
            try BatchPayload.unpack(Self.body, count: Int(Int32.max))
        }
        #expect(
            error?.reason
                == "batch metadata claims 2147483647 messages, more than its \(Self.body.count) bytes can hold"
        )
    }

    @Test func aCountLargerThanTheBytesAllowIsRefused() throws {
        // 32 bytes hold at most 5 messages by size alone: 6 is refused up front.
        #expect(Self.body.count == 32)
        let tooMany = #expect(throws: PulsarError.self) { try BatchPayload.unpack(Self.body, count: 6) }
        #expect(tooMany?.reason == "batch metadata claims 6 messages, more than its 32 bytes can hold")
        // 3 is plausible by size, but there are only two messages: reading the third runs past the end.
        let pastTheEnd = #expect(throws: PulsarError.self) { try BatchPayload.unpack(Self.body, count: 3) }
        #expect(pastTheEnd?.reason == "batch ends before message 2 of 3")
        #expect(try BatchPayload.unpack(Self.body, count: 2).map(\.payload) == [Array(1...20), []])
    }

    @Test func theSmallestPossibleMessagesStillUnpack() throws {
        let smallest = BatchPayload.pack(Array(repeating: (SingleMessageMetadata(payloadSize: 0), []), count: 5))
        #expect(smallest.count == 5 * BatchPayload.minimumMessageSize)
        #expect(try BatchPayload.unpack(smallest, count: 5).count == 5)
    }
}
