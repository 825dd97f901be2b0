import NIOCore
import Testing

@testable import CompositePulsar

@Suite struct WireCodecTests {
    @Test func crc32cMatchesPublishedVectors() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([0x10, 0x01, 0x18, 0xC9, 0xF8, 0x86, 0x94, 0xEB, 0x2C]) == 2_355_953_212)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        // The sliced path (8 bytes at a time) and the byte path agree, including continuing a checksum.
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let whole = CRC32C.checksum(bytes)
        let continued = CRC32C.checksum(bytes[13...], continuing: CRC32C.checksum(bytes[..<13]))
        #expect(whole == continued)
        #expect(CRC32C.checksum(AnySequenceOfBytes(bytes)) == whole)
    }

    @Test func pingIsTheDocumentedSimpleFrame() {
        // [totalSize 9][commandSize 5] BaseCommand{type: PING (18), ping (field 18): {}}
        #expect(Self.bytes(PulsarFrame(.ping)) == [0, 0, 0, 9, 0, 0, 0, 5, 0x08, 0x12, 0x92, 0x01, 0x00])
    }

    @Test func sendFrameHasMagicChecksumAndMetadataInOrder() throws {
        var metadata = MessageMetadata(producerName: "p", sequenceID: 0, publishTime: 5)
        metadata.partitionKey = nil
        let frame = PulsarFrame(
            .send(Send(producerID: 1, sequenceID: 0)),
            payload: .init(metadata: metadata, body: Array("hi".utf8))
        )
        let bytes = Self.bytes(frame)
        let command: [UInt8] = [0x08, 0x06, 0x32, 0x04, 0x08, 0x01, 0x10, 0x00]
        let metadataBytes: [UInt8] = [0x0A, 0x01, 0x70, 0x10, 0x00, 0x18, 0x05]
        let checked: [UInt8] = [0, 0, 0, 7] + metadataBytes + Array("hi".utf8)
        let crc = CRC32C.checksum(checked)
        let expected: [UInt8] =
            [0, 0, 0, 31, 0, 0, 0, 8] + command + [0x0E, 0x01]
            + [UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)] + checked
        #expect(bytes == expected)
        var buffer = ByteBuffer(bytes: bytes)
        #expect(try PulsarFrame.read(from: &buffer, maxFrameSize: 1 << 20) == frame)
    }

    @Test func everyCommandSurvivesARoundTrip() throws {
        let id = MessageIDData(ledgerID: 7, entryID: 9, partition: 2, batchIndex: 3, batchSize: 5)
        let commands: [PulsarCommand] = [
            .connect(
                Connect(
                    clientVersion: "c",
                    protocolVersion: 19,
                    authMethodName: "token",
                    authData: [1, 2],
                    proxyToBrokerURL: "b:6650"
                )
            ),
            .connected(Connected(serverVersion: "s", protocolVersion: 19, maxMessageSize: 1024)),
            .subscribe(
                Subscribe(
                    topic: "t",
                    subscription: "s",
                    subscriptionType: .failover,
                    consumerID: 3,
                    requestID: 4,
                    consumerName: "n"
                )
            ),
            .producer(Producer(topic: "t", producerID: 1, requestID: 2, producerName: "p")),
            .send(Send(producerID: 1, sequenceID: 2, numMessages: 3)),
            .sendReceipt(SendReceipt(producerID: 1, sequenceID: 2, messageID: id)),
            .sendError(SendError(producerID: 1, sequenceID: 2, error: .persistenceError, message: "disk")),
            .message(Message(consumerID: 1, messageID: id, redeliveryCount: 2, ackSet: [5, -1])),
            .ack(Ack(consumerID: 1, messageIDs: [id, MessageIDData(ledgerID: 1, entryID: 2)])),
            .flow(Flow(consumerID: 1, permits: 500)),
            .success(Success(requestID: 8)),
            .error(ServerErrorResponse(requestID: 8, error: .consumerBusy, message: "busy")),
            .closeProducer(CloseProducer(producerID: 1, requestID: 2)),
            .closeConsumer(CloseConsumer(consumerID: 1, requestID: 2)),
            .producerSuccess(ProducerSuccess(requestID: 2, producerName: "p-1", lastSequenceID: 41)),
            .ping, .pong,
            .partitionedMetadata(PartitionedMetadata(topic: "t", requestID: 1)),
            .partitionedMetadataResponse(PartitionedMetadataResponse(requestID: 1, partitions: 4)),
            .lookup(Lookup(topic: "t", requestID: 1, authoritative: true)),
            .lookupResponse(
                LookupResponse(
                    requestID: 1,
                    kind: .redirect,
                    brokerServiceURL: "pulsar://b:6650",
                    authoritative: true,
                    proxyThroughServiceURL: true
                )
            ),
            .authChallenge(AuthChallenge(challenge: AuthData(methodName: "token", data: [1]))),
            .authResponse(
                AuthResponse(
                    clientVersion: "c",
                    protocolVersion: 19,
                    response: AuthData(methodName: "token", data: [9])
                )
            ),
            .getLastMessageID(GetLastMessageID(consumerID: 3, requestID: 4)),
            .getLastMessageIDResponse(
                GetLastMessageIDResponse(
                    lastMessageID: MessageIDData(ledgerID: 7, entryID: 12, batchIndex: 2),
                    requestID: 4,
                    markDeletePosition: MessageIDData(ledgerID: 7, entryID: 3)
                )
            ),
            // An empty topic: brokers answer (-1, -1), which reads as no last message.
            .getLastMessageIDResponse(GetLastMessageIDResponse(lastMessageID: nil, requestID: 5)),
        ]
        for command in commands {
            let decoded = try PulsarCommand(decodingBaseCommand: command.encodedBaseCommand[...])
            #expect(decoded == command, "\(command.name)")
        }
        // Unknown commands decode as .other rather than failing the connection.
        var writer = ProtoWriter()
        writer.uint(1, 31)
        writer.message(31) { $0.uint(1, 1) }
        #expect(try PulsarCommand(decodingBaseCommand: writer.bytes[...]) == .other(type: 31))
    }

    @Test func framesSplitAcrossReadsWaitForTheRest() throws {
        let bytes = Self.bytes(PulsarFrame(.flow(Flow(consumerID: 1, permits: 10))))
        var buffer = ByteBuffer(bytes: bytes.prefix(6))
        #expect(try PulsarFrame.read(from: &buffer, maxFrameSize: 1024) == nil)
        #expect(buffer.readableBytes == 6, "nothing consumed until the frame is whole")
        buffer.writeBytes(bytes.dropFirst(6))
        #expect(
            try PulsarFrame.read(from: &buffer, maxFrameSize: 1024)
                == PulsarFrame(.flow(Flow(consumerID: 1, permits: 10)))
        )
        #expect(buffer.readableBytes == 0)
    }

    @Test func oversizedFramesAreRefusedBeforeBuffering() {
        var buffer = ByteBuffer(bytes: [0, 0x60, 0, 0, 0, 0, 0, 4])
        #expect(throws: PulsarError.self) { try PulsarFrame.read(from: &buffer, maxFrameSize: 5 * 1024 * 1024) }
    }

    /// Issue 13, defect 2: a MESSAGE whose payload fails its checksum, or whose metadata is corrupt, is still a
    /// message (the broker would deliver it again after every restart): it is read, marked, with its raw bytes.
    @Test func aMessageWithACorruptPayloadIsReadAndMarked() throws {
        var bytes = Self.bytes(Self.messageFrame(body: Array("payload".utf8)))
        bytes[bytes.count - 1] ^= 0xFF
        var buffer = ByteBuffer(bytes: bytes)
        let frame = try #require(try PulsarFrame.read(from: &buffer, maxFrameSize: 1 << 20))
        guard case .message = frame.command else {
            Issue.record("the command is still read")
            return
        }
        let payload = try #require(frame.payload)
        #expect(payload.corruption?.contains("checksum mismatch") == true)
        #expect(payload.body.suffix(7) == Array("payload".utf8).dropLast() + [UInt8(ascii: "d") ^ 0xFF])
        #expect(buffer.readableBytes == 0, "the next frame starts where this one ended")
    }

    @Test func aCorruptPayloadOnAnyOtherCommandIsAnError() {
        var metadata = MessageMetadata(producerName: "p", sequenceID: 0, publishTime: 5)
        metadata.partitionKey = nil
        var bytes = Self.bytes(
            PulsarFrame(
                .send(Send(producerID: 1, sequenceID: 0)),
                payload: PulsarFrame.Payload(metadata: metadata, body: Array("hi".utf8))
            )
        )
        bytes[bytes.count - 1] ^= 0xFF
        var buffer = ByteBuffer(bytes: bytes)
        #expect {
            try PulsarFrame.read(from: &buffer, maxFrameSize: 1 << 20)
        } throws: { error in
            (error as? PulsarError)?.reason.contains("checksum mismatch") == true
        }
    }

    @Test func brokerEntryMetadataIsSkipped() throws {
        let plain = Self.bytes(Self.messageFrame(body: [1, 2, 3]))
        // Insert [0x0e02][size 3][3 bytes] after the command and fix up the total size.
        let commandSize = Int(plain[4]) << 24 | Int(plain[5]) << 16 | Int(plain[6]) << 8 | Int(plain[7])
        let split = 8 + commandSize
        var bytes = Array(plain[..<split]) + [0x0E, 0x02, 0, 0, 0, 3, 9, 9, 9] + Array(plain[split...])
        let total = UInt32(bytes.count - 4)
        bytes.replaceSubrange(
            0..<4,
            with: [UInt8(total >> 24), UInt8(total >> 16 & 0xFF), UInt8(total >> 8 & 0xFF), UInt8(total & 0xFF)]
        )
        var buffer = ByteBuffer(bytes: bytes)
        let frame = try PulsarFrame.read(from: &buffer, maxFrameSize: 1 << 20)
        #expect(frame?.payload?.body == [1, 2, 3])
    }

    @Test func payloadsWithoutTheOptionalChecksumAreAccepted() throws {
        // What a broker forwards from a producer that wrote no checksum: [metadataSize][metadata][payload] directly
        // after the command.
        let plain = Self.bytes(Self.messageFrame(body: [4, 5]))
        let commandSize = Int(plain[4]) << 24 | Int(plain[5]) << 16 | Int(plain[6]) << 8 | Int(plain[7])
        let split = 8 + commandSize
        var bytes = Array(plain[..<split]) + Array(plain[(split + 6)...])
        let total = UInt32(bytes.count - 4)
        bytes.replaceSubrange(
            0..<4,
            with: [UInt8(total >> 24), UInt8(total >> 16 & 0xFF), UInt8(total >> 8 & 0xFF), UInt8(total & 0xFF)]
        )
        var buffer = ByteBuffer(bytes: bytes)
        #expect(try PulsarFrame.read(from: &buffer, maxFrameSize: 1 << 20) == Self.messageFrame(body: [4, 5]))
    }

    @Test func batchesUnpackAndAckSetSelectsIndexes() throws {
        let body = BatchPayload.pack([
            (SingleMessageMetadata(payloadSize: 2, partitionKey: "a", properties: ["x": "1"]), [1, 2]),
            (SingleMessageMetadata(payloadSize: 0), []),
            (SingleMessageMetadata(payloadSize: 3, partitionKey: "c"), [7, 8, 9]),
        ])
        let items = try BatchPayload.unpack(body, count: 3)
        #expect(items.map(\.payload) == [[1, 2], [], [7, 8, 9]])
        #expect(items.map(\.metadata.partitionKey) == ["a", nil, "c"])
        #expect(items[0].metadata.properties == ["x": "1"])
        #expect(throws: PulsarError.self) { try BatchPayload.unpack(body, count: 4) }
        #expect(throws: PulsarError.self) { try BatchPayload.unpack(Array(body.dropLast()), count: 3) }

        // ack_set bit set = still to deliver: 0b101 delivers indexes 0 and 2.
        let message = Message(consumerID: 1, messageID: MessageIDData(ledgerID: 1, entryID: 1), ackSet: [0b101])
        #expect([0, 1, 2].map(message.isUnacknowledged(batchIndex:)) == [true, false, true])
        #expect(
            Message(consumerID: 1, messageID: MessageIDData(ledgerID: 1, entryID: 1)).isUnacknowledged(batchIndex: 70)
        )
    }

    @Test func truncatedAndMalformedProtobufIsAnError() {
        #expect(throws: PulsarError.self) { try PulsarCommand(decodingBaseCommand: [0x08][...]) }
        #expect(throws: PulsarError.self) {
            try PulsarCommand(decodingBaseCommand: [0x08, 0x06, 0x32, 0x09, 0x08][...])
        }
        // A SEND_RECEIPT without its required producer_id.
        var writer = ProtoWriter()
        writer.uint(1, 7)
        writer.message(7) { $0.uint(2, 1) }
        #expect(throws: PulsarError.self) { try PulsarCommand(decodingBaseCommand: writer.bytes[...]) }
        // Negative int32 values take ten bytes and come back intact.
        var negative = ProtoWriter()
        negative.int(3, -1)
        #expect(negative.bytes.count == 11)
    }

    static func messageFrame(body: [UInt8]) -> PulsarFrame {
        PulsarFrame(
            .message(Message(consumerID: 1, messageID: MessageIDData(ledgerID: 3, entryID: 4))),
            payload: .init(metadata: MessageMetadata(producerName: "p", sequenceID: 1, publishTime: 99), body: body)
        )
    }

    static func bytes(_ frame: PulsarFrame) -> [UInt8] {
        var buffer = ByteBuffer()
        frame.write(to: &buffer)
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }
}

/// A byte collection without contiguous storage, to exercise the checksum's fallback path.
struct AnySequenceOfBytes: Collection {
    let base: [UInt8]
    init(_ base: [UInt8]) { self.base = base }
    var startIndex: Int { self.base.startIndex }
    var endIndex: Int { self.base.endIndex }
    func index(after i: Int) -> Int { i + 1 }
    subscript(position: Int) -> UInt8 { self.base[position] }
}
