import FuzzSupport
import NIOCore
import Testing

@testable import CompositePulsar

/// Seeded mutation fuzzing of the frame decoder, the metadata decoder and batch unpacking: mutated frames never crash
/// them, and every outcome is a frame, "wait for more", or an error. Mutations that would only break the checksum
/// are also re-checksummed, so they reach the metadata and the batch inside.
@Suite struct PulsarFrameFuzzTests {
    static let iterations = 20_000

    static let batchMetadata: MessageMetadata = {
        var metadata = MessageMetadata(producerName: "p", sequenceID: 3, publishTime: 1_700_000_000_000)
        metadata.numMessagesInBatch = 3
        metadata.properties = ["k": "v"]
        metadata.partitionKey = "key"
        return metadata
    }()

    static let batch = BatchPayload.pack([
        (SingleMessageMetadata(payloadSize: 5, partitionKey: "a", properties: ["x": "1"]), Array("hello".utf8)),
        (SingleMessageMetadata(payloadSize: 0), []),
        (SingleMessageMetadata(payloadSize: 2), [7, 8]),
    ])

    static let message = PulsarCommand.message(
        Message(consumerID: 1, messageID: MessageIDData(ledgerID: 3, entryID: 4), redeliveryCount: 1, ackSet: [5])
    )

    /// Whole frames: commands alone, a single message and a batch.
    static let frames: [[UInt8]] = [
        PulsarFrame(.ping),
        PulsarFrame(.flow(Flow(consumerID: 1, permits: 10))),
        PulsarFrame(.producerSuccess(ProducerSuccess(requestID: 2, producerName: "p-1", lastSequenceID: 41))),
        PulsarFrame(
            .sendReceipt(SendReceipt(producerID: 1, sequenceID: 2, messageID: MessageIDData(ledgerID: 7, entryID: 9)))
        ),
        PulsarFrame(
            Self.message,
            payload: .init(
                metadata: MessageMetadata(producerName: "p", sequenceID: 1, publishTime: 9),
                body: [1, 2, 3]
            )
        ),
        PulsarFrame(Self.message, payload: .init(metadata: Self.batchMetadata, body: Self.batch)),
    ].map { frame in
        var buffer = ByteBuffer()
        frame.write(to: &buffer)
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func mutatedFramesDecodeWaitOrFail(seed: UInt64) async {
        var mutator = SeededMutator(seed: seed)
        for iteration in 0..<Self.iterations {
            // A long synchronous loop would hold one of the few cooperative threads every other test needs.
            if iteration % 256 == 0 { await Task.yield() }
            let input = mutator.mutate(Self.frames[mutator.index(below: Self.frames.count)], splicingFrom: Self.frames)
            Self.decode(input, note: "seed \(seed), iteration \(iteration): \(input)")
        }
    }

    @Test(arguments: [4, 5, 6] as [UInt64])
    func mutatedMetadataAndBatchesBehindAValidChecksumDecodeOrFail(seed: UInt64) async {
        var mutator = SeededMutator(seed: seed)
        let metadata = Self.batchMetadata.encoded
        let checked: [UInt8] = Self.bigEndian(UInt32(metadata.count)) + metadata + Self.batch
        let command = Self.message.encodedBaseCommand
        for iteration in 0..<Self.iterations {
            // A long synchronous loop would hold one of the few cooperative threads every other test needs.
            if iteration % 256 == 0 { await Task.yield() }
            let mutated = mutator.mutate(checked)
            let checksum = CRC32C.checksum(mutated)
            let frame: [UInt8] =
                Self.bigEndian(UInt32(4 + command.count + 6 + mutated.count)) + Self.bigEndian(UInt32(command.count))
                + command + [0x0E, 0x01] + Self.bigEndian(checksum) + mutated
            Self.decode(frame, note: "seed \(seed), iteration \(iteration): \(mutated)")
        }
    }

    /// Reads one frame and, when it is a batch, unpacks it; any outcome but a crash or a hang is fine, and what
    /// decodes must be consistent.
    static func decode(_ bytes: [UInt8], note: Comment) {
        var buffer = ByteBuffer(bytes: bytes)
        do {
            guard let frame = try PulsarFrame.read(from: &buffer, maxFrameSize: 1 << 20) else {
                #expect(buffer.readerIndex == 0, "nothing is consumed while a frame is incomplete; \(note)")
                return
            }
            guard let payload = frame.payload, let count = payload.metadata.numMessagesInBatch else { return }
            let items = try BatchPayload.unpack(payload.body, count: Int(count))
            #expect(items.count == Int(count), note)
            #expect(items.map(\.payload.count).reduce(0, +) <= payload.body.count, note)
        } catch {
            #expect(error.code == .malformed && !error.reason.isEmpty, note)
        }
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }
}
