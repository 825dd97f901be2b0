// Topic discovery: partition counts and which broker serves a topic.

struct PartitionedMetadata: CommandBody {
    var topic: String
    var requestID: UInt64

    init(topic: String, requestID: UInt64) {
        self.topic = topic
        self.requestID = requestID
    }

    func encode(into writer: inout ProtoWriter) {
        writer.string(1, self.topic)
        writer.uint(2, self.requestID)
    }

    init(decoding bytes: ArraySlice<UInt8>) throws(PulsarError) {
        self.topic = ""
        self.requestID = 0
        var topic: String?
        var request: UInt64?
        try ProtoReader.forEachField(in: bytes) { (field, value) throws(PulsarError) in
            if field == 1 { topic = value.string }
            if field == 2 { request = value.uint }
        }
        self.topic = try required(topic, "topic", in: "PARTITIONED_METADATA")
        self.requestID = try required(request, "request_id", in: "PARTITIONED_METADATA")
    }
}

struct PartitionedMetadataResponse: CommandBody {
    var requestID: UInt64
    var partitions: UInt32
    var failed: Bool
    var error: ServerError?
    var message: String?

    init(requestID: UInt64, partitions: UInt32, failed: Bool = false, error: ServerError? = nil, message: String? = nil)
    {
        self.requestID = requestID
        self.partitions = partitions
        self.failed = failed
        self.error = error
        self.message = message
    }

    func encode(into writer: inout ProtoWriter) {
        writer.uint(1, UInt64(self.partitions))
        writer.uint(2, self.requestID)
        writer.uint(3, self.failed ? 1 : 0)
        if let error { writer.uint(4, UInt64(error.rawValue)) }
        if let message { writer.string(5, message) }
    }

    init(decoding bytes: ArraySlice<UInt8>) throws(PulsarError) {
        self.requestID = 0
        var request: UInt64?
        self.partitions = 0
        self.failed = false
        try ProtoReader.forEachField(in: bytes) { (field, value) throws(PulsarError) in
            switch field {
            case 1: self.partitions = UInt32(truncatingIfNeeded: value.uint ?? 0)
            case 2: request = value.uint
            case 3: self.failed = value.uint == 1
            case 4: self.error = ServerError(code: value.uint ?? 0)
            case 5: self.message = value.string
            default: break
            }
        }
        self.requestID = try required(request, "request_id", in: "PARTITIONED_METADATA_RESPONSE")
    }
}

struct Lookup: CommandBody {
    var topic: String
    var requestID: UInt64
    var authoritative: Bool

    init(topic: String, requestID: UInt64, authoritative: Bool) {
        self.topic = topic
        self.requestID = requestID
        self.authoritative = authoritative
    }

    func encode(into writer: inout ProtoWriter) {
        writer.string(1, self.topic)
        writer.uint(2, self.requestID)
        writer.bool(3, self.authoritative)
    }

    init(decoding bytes: ArraySlice<UInt8>) throws(PulsarError) {
        self.topic = ""
        self.requestID = 0
        var topic: String?
        var request: UInt64?
        self.authoritative = false
        try ProtoReader.forEachField(in: bytes) { (field, value) throws(PulsarError) in
            switch field {
            case 1: topic = value.string
            case 2: request = value.uint
            case 3: self.authoritative = value.bool ?? false
            default: break
            }
        }
        self.topic = try required(topic, "topic", in: "LOOKUP")
        self.requestID = try required(request, "request_id", in: "LOOKUP")
    }
}

struct LookupResponse: CommandBody {
    enum Kind: UInt64, Sendable {
        case redirect = 0
        case connect = 1
        case failed = 2
    }

    var requestID: UInt64
    var kind: Kind
    var brokerServiceURL: String?
    var brokerServiceURLTLS: String?
    var authoritative: Bool
    var proxyThroughServiceURL: Bool
    var error: ServerError?
    var message: String?

    init(
        requestID: UInt64,
        kind: Kind,
        brokerServiceURL: String? = nil,
        brokerServiceURLTLS: String? = nil,
        authoritative: Bool = false,
        proxyThroughServiceURL: Bool = false,
        error: ServerError? = nil,
        message: String? = nil
    ) {
        self.requestID = requestID
        self.kind = kind
        self.brokerServiceURL = brokerServiceURL
        self.brokerServiceURLTLS = brokerServiceURLTLS
        self.authoritative = authoritative
        self.proxyThroughServiceURL = proxyThroughServiceURL
        self.error = error
        self.message = message
    }

    func encode(into writer: inout ProtoWriter) {
        if let brokerServiceURL { writer.string(1, brokerServiceURL) }
        if let brokerServiceURLTLS { writer.string(2, brokerServiceURLTLS) }
        writer.uint(3, self.kind.rawValue)
        writer.uint(4, self.requestID)
        writer.bool(5, self.authoritative)
        if let error { writer.uint(6, UInt64(error.rawValue)) }
        if let message { writer.string(7, message) }
        writer.bool(8, self.proxyThroughServiceURL)
    }

    init(decoding bytes: ArraySlice<UInt8>) throws(PulsarError) {
        self.requestID = 0
        var request: UInt64?
        self.kind = .failed
        self.authoritative = false
        self.proxyThroughServiceURL = false
        try ProtoReader.forEachField(in: bytes) { (field, value) throws(PulsarError) in
            switch field {
            case 1: self.brokerServiceURL = value.string
            case 2: self.brokerServiceURLTLS = value.string
            case 3: self.kind = Kind(rawValue: value.uint ?? 2) ?? .failed
            case 4: request = value.uint
            case 5: self.authoritative = value.bool ?? false
            case 6: self.error = ServerError(code: value.uint ?? 0)
            case 7: self.message = value.string
            case 8: self.proxyThroughServiceURL = value.bool ?? false
            default: break
            }
        }
        self.requestID = try required(request, "request_id", in: "LOOKUP_RESPONSE")
    }
}
