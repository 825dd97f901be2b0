// The handshake, authentication and generic responses.

struct Connect: CommandBody {
    var clientVersion: String
    var protocolVersion: Int32
    var authMethodName: String?
    var authData: [UInt8]?
    var proxyToBrokerURL: String?
    var supportsAuthRefresh = true

    init(
        clientVersion: String,
        protocolVersion: Int32,
        authMethodName: String? = nil,
        authData: [UInt8]? = nil,
        proxyToBrokerURL: String? = nil
    ) {
        self.clientVersion = clientVersion
        self.protocolVersion = protocolVersion
        self.authMethodName = authMethodName
        self.authData = authData
        self.proxyToBrokerURL = proxyToBrokerURL
    }

    func encode(into writer: inout ProtoWriter) {
        writer.string(1, self.clientVersion)
        if let authData { writer.bytes(3, authData) }
        writer.int(4, Int64(self.protocolVersion))
        if let authMethodName { writer.string(5, authMethodName) }
        if let proxyToBrokerURL { writer.string(6, proxyToBrokerURL) }
        if self.supportsAuthRefresh { writer.message(10) { $0.bool(1, true) } }
    }

    init(decoding bytes: ArraySlice<UInt8>) throws(PulsarError) {
        var version: String?
        self.protocolVersion = 0
        self.clientVersion = ""
        self.supportsAuthRefresh = false
        try ProtoReader.forEachField(in: bytes) { (field, value) throws(PulsarError) in
            switch field {
            case 1: version = value.string
            case 3: self.authData = value.data.map(Array.init)
            case 4: self.protocolVersion = Int32(truncatingIfNeeded: value.int ?? 0)
            case 5: self.authMethodName = value.string
            case 6: self.proxyToBrokerURL = value.string
            case 10:
                try ProtoReader.forEachField(in: value.data ?? []) { (flag, on) throws(PulsarError) in
                    if flag == 1 { self.supportsAuthRefresh = on.bool ?? false }
                }
            default: break
            }
        }
        self.clientVersion = try required(version, "client_version", in: "CONNECT")
    }
}

struct Connected: CommandBody {
    var serverVersion: String
    var protocolVersion: Int32
    var maxMessageSize: Int32?

    init(serverVersion: String, protocolVersion: Int32, maxMessageSize: Int32? = nil) {
        self.serverVersion = serverVersion
        self.protocolVersion = protocolVersion
        self.maxMessageSize = maxMessageSize
    }

    func encode(into writer: inout ProtoWriter) {
        writer.string(1, self.serverVersion)
        writer.int(2, Int64(self.protocolVersion))
        if let maxMessageSize { writer.int(3, Int64(maxMessageSize)) }
    }

    init(decoding bytes: ArraySlice<UInt8>) throws(PulsarError) {
        self.serverVersion = ""
        self.protocolVersion = 0
        try ProtoReader.forEachField(in: bytes) { (field, value) throws(PulsarError) in
            switch field {
            case 1: self.serverVersion = value.string ?? ""
            case 2: self.protocolVersion = Int32(truncatingIfNeeded: value.int ?? 0)
            case 3: self.maxMessageSize = value.int.map { Int32(truncatingIfNeeded: $0) }
            default: break
            }
        }
    }
}

struct AuthChallenge: CommandBody {
    var challenge: AuthData?

    init(challenge: AuthData?) {
        self.challenge = challenge
    }

    func encode(into writer: inout ProtoWriter) {
        if let challenge { writer.message(2) { challenge.encode(into: &$0) } }
    }

    init(decoding bytes: ArraySlice<UInt8>) throws(PulsarError) {
        try ProtoReader.forEachField(in: bytes) { (field, value) throws(PulsarError) in
            if field == 2 { self.challenge = try AuthData(decoding: value.data ?? []) }
        }
    }
}

struct AuthResponse: CommandBody {
    var clientVersion: String
    var protocolVersion: Int32
    var response: AuthData

    init(clientVersion: String, protocolVersion: Int32, response: AuthData) {
        self.clientVersion = clientVersion
        self.protocolVersion = protocolVersion
        self.response = response
    }

    func encode(into writer: inout ProtoWriter) {
        writer.string(1, self.clientVersion)
        writer.message(2) { self.response.encode(into: &$0) }
        writer.int(3, Int64(self.protocolVersion))
    }

    init(decoding bytes: ArraySlice<UInt8>) throws(PulsarError) {
        self.clientVersion = ""
        self.protocolVersion = 0
        self.response = AuthData(methodName: nil, data: [])
        try ProtoReader.forEachField(in: bytes) { (field, value) throws(PulsarError) in
            switch field {
            case 1: self.clientVersion = value.string ?? ""
            case 2: self.response = try AuthData(decoding: value.data ?? [])
            case 3: self.protocolVersion = Int32(truncatingIfNeeded: value.int ?? 0)
            default: break
            }
        }
    }
}

struct Success: CommandBody {
    var requestID: UInt64

    init(requestID: UInt64) {
        self.requestID = requestID
    }

    func encode(into writer: inout ProtoWriter) {
        writer.uint(1, self.requestID)
    }

    init(decoding bytes: ArraySlice<UInt8>) throws(PulsarError) {
        self.requestID = 0
        var request: UInt64?
        try ProtoReader.forEachField(in: bytes) { (field, value) throws(PulsarError) in
            if field == 1 { request = value.uint }
        }
        self.requestID = try required(request, "request_id", in: "SUCCESS")
    }
}

/// `CommandError`: a request failed with one of Pulsar's `ServerError` codes.
struct ServerErrorResponse: CommandBody {
    var requestID: UInt64
    var error: ServerError
    var message: String

    init(requestID: UInt64, error: ServerError, message: String) {
        self.requestID = requestID
        self.error = error
        self.message = message
    }

    func encode(into writer: inout ProtoWriter) {
        writer.uint(1, self.requestID)
        writer.uint(2, UInt64(self.error.rawValue))
        writer.string(3, self.message)
    }

    init(decoding bytes: ArraySlice<UInt8>) throws(PulsarError) {
        self.requestID = 0
        var request: UInt64?
        self.error = .unknown
        self.message = ""
        try ProtoReader.forEachField(in: bytes) { (field, value) throws(PulsarError) in
            switch field {
            case 1: request = value.uint
            case 2: self.error = ServerError(code: value.uint ?? 0)
            case 3: self.message = value.string ?? ""
            default: break
            }
        }
        self.requestID = try required(request, "request_id", in: "ERROR")
    }
}

/// Pulsar's `ServerError` codes this client tells apart.
enum ServerError: Int, Sendable, Equatable {
    case unknown = 0
    case metadataError = 1
    case persistenceError = 2
    case authenticationError = 3
    case authorizationError = 4
    case consumerBusy = 5
    case serviceNotReady = 6
    case producerBlockedQuotaExceededError = 7
    case producerBlockedQuotaExceededException = 8
    case checksumError = 9
    case unsupportedVersionError = 10
    case topicNotFound = 11
    case subscriptionNotFound = 12
    case consumerNotFound = 13
    case tooManyRequests = 14
    case topicTerminatedError = 15
    case producerBusy = 16
    case invalidTopicName = 17

    init(code: UInt64) {
        self = ServerError(rawValue: Int(truncatingIfNeeded: code)) ?? .unknown
    }

    /// Errors after which a fresh lookup and a retry can succeed.
    var isRetriable: Bool {
        switch self {
        case .serviceNotReady, .tooManyRequests, .metadataError, .persistenceError, .consumerBusy, .producerBusy,
            .unknown:
            true
        default: false
        }
    }
}
