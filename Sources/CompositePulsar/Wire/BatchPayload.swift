/// Unpacks a batched entry: `num_messages_in_batch` × `[u32 size][SingleMessageMetadata][payload]`.
enum BatchPayload {
    struct Item: Sendable, Equatable {
        var index: Int
        var metadata: SingleMessageMetadata
        var payload: [UInt8]
    }

    /// The fewest bytes one batched message can take: its 4-byte metadata size and a metadata holding only the
    /// required `payload_size` (a 1-byte tag and a varint of at least 1 byte), with an empty payload.
    static let minimumMessageSize = 6

    /// The messages of a batch whose metadata claims `count` of them.
    ///
    /// `count` comes from the producer, so it is checked against what `body` can hold before anything is allocated:
    /// a negative, zero or impossibly large count makes the whole entry undecodable.
    static func unpack(_ body: [UInt8], count: Int) throws(PulsarError) -> [Item] {
        guard count > 0 else {
            throw PulsarError.malformed("batch metadata claims \(count) messages in the batch")
        }
        guard count <= body.count / Self.minimumMessageSize else {
            throw PulsarError.malformed(
                "batch metadata claims \(count) messages, more than its \(body.count) bytes can hold"
            )
        }
        var items: [Item] = []
        items.reserveCapacity(count)
        var offset = 0
        for index in 0..<count {
            guard body.count - offset >= 4 else {
                throw PulsarError.malformed("batch ends before message \(index) of \(count)")
            }
            let size = body[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            offset += 4
            guard body.count - offset >= size else {
                throw PulsarError.malformed("batch message \(index) metadata runs past the payload")
            }
            let metadata = try SingleMessageMetadata(decoding: body[offset..<offset + size])
            offset += size
            let payloadSize = Int(metadata.payloadSize)
            guard payloadSize >= 0, body.count - offset >= payloadSize else {
                throw PulsarError.malformed("batch message \(index) payload runs past the batch")
            }
            items.append(Item(index: index, metadata: metadata, payload: Array(body[offset..<offset + payloadSize])))
            offset += payloadSize
        }
        return items
    }

    /// Packs messages as a batch payload (used by tests and a fake broker to play another producer).
    static func pack(_ messages: [(metadata: SingleMessageMetadata, payload: [UInt8])]) -> [UInt8] {
        var body: [UInt8] = []
        for (metadata, payload) in messages {
            var writer = ProtoWriter()
            metadata.encode(into: &writer)
            let size = UInt32(writer.bytes.count)
            body += [UInt8(size >> 24), UInt8(size >> 16 & 0xff), UInt8(size >> 8 & 0xff), UInt8(size & 0xff)]
            body += writer.bytes
            body += payload
        }
        return body
    }
}
