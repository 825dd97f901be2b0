/// `MessageMetadata`: what a producer says about one entry (a single message or a batch).
struct MessageMetadata: Sendable, Equatable {
    var producerName: String
    var sequenceID: UInt64
    var publishTime: UInt64
    var properties: [String: String] = [:]
    var partitionKey: String?
    /// 0 is none; anything else (LZ4, ZLIB, ZSTD, SNAPPY) is refused by this client.
    var compression: UInt64 = 0
    /// Present for a batch, even of one message.
    var numMessagesInBatch: Int32?
    var eventTime: UInt64?

    init(producerName: String, sequenceID: UInt64, publishTime: UInt64) {
        self.producerName = producerName
        self.sequenceID = sequenceID
        self.publishTime = publishTime
    }

    func encode(into writer: inout ProtoWriter) {
        writer.string(1, self.producerName)
        writer.uint(2, self.sequenceID)
        writer.uint(3, self.publishTime)
        KeyValues.encode(self.properties, field: 4, into: &writer)
        if let partitionKey { writer.string(6, partitionKey) }
        if self.compression != 0 { writer.uint(8, self.compression) }
        if let numMessagesInBatch { writer.int(11, Int64(numMessagesInBatch)) }
        if let eventTime { writer.uint(12, eventTime) }
    }

    var encoded: [UInt8] {
        var writer = ProtoWriter()
        self.encode(into: &writer)
        return writer.bytes
    }

    init(decoding bytes: ArraySlice<UInt8>) throws(PulsarError) {
        self.producerName = ""
        self.sequenceID = 0
        self.publishTime = 0
        try ProtoReader.forEachField(in: bytes) { (field, value) throws(PulsarError) in
            switch field {
            case 1: self.producerName = value.string ?? ""
            case 2: self.sequenceID = value.uint ?? 0
            case 3: self.publishTime = value.uint ?? 0
            case 4:
                let (key, item) = try KeyValues.decode(value.data ?? [])
                self.properties[key] = item
            case 6: self.partitionKey = value.string
            case 8: self.compression = value.uint ?? 0
            case 11: self.numMessagesInBatch = value.int.map { Int32(truncatingIfNeeded: $0) }
            case 12: self.eventTime = value.uint
            default: break
            }
        }
    }
}

/// `SingleMessageMetadata`: one message's header inside a batch payload.
struct SingleMessageMetadata: Sendable, Equatable {
    var properties: [String: String] = [:]
    var partitionKey: String?
    var payloadSize: Int32
    var compactedOut = false

    init(payloadSize: Int32, partitionKey: String? = nil, properties: [String: String] = [:]) {
        self.payloadSize = payloadSize
        self.partitionKey = partitionKey
        self.properties = properties
    }

    func encode(into writer: inout ProtoWriter) {
        KeyValues.encode(self.properties, field: 1, into: &writer)
        if let partitionKey { writer.string(2, partitionKey) }
        writer.int(3, Int64(self.payloadSize))
        if self.compactedOut { writer.bool(4, true) }
    }

    init(decoding bytes: ArraySlice<UInt8>) throws(PulsarError) {
        self.payloadSize = 0
        var size: Int32?
        try ProtoReader.forEachField(in: bytes) { (field, value) throws(PulsarError) in
            switch field {
            case 1:
                let (key, item) = try KeyValues.decode(value.data ?? [])
                self.properties[key] = item
            case 2: self.partitionKey = value.string
            case 3: size = value.int.map { Int32(truncatingIfNeeded: $0) }
            case 4: self.compactedOut = value.bool ?? false
            default: break
            }
        }
        self.payloadSize = try required(size, "payload_size", in: "SingleMessageMetadata")
    }
}
