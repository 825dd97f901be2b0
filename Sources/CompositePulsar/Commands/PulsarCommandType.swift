/// The `BaseCommand.Type` values this client knows, with their wire numbers (Pulsar's `PulsarApi.proto`). Each number
/// is also the `BaseCommand` field that holds the command's body.
enum PulsarCommandType: Int, CaseIterable, Sendable {
    case connect = 2
    case connected = 3
    case subscribe = 4
    case producer = 5
    case send = 6
    case sendReceipt = 7
    case sendError = 8
    case message = 9
    case ack = 10
    case flow = 11
    case success = 13
    case error = 14
    case closeProducer = 15
    case closeConsumer = 16
    case producerSuccess = 17
    case ping = 18
    case pong = 19
    case partitionedMetadata = 21
    case partitionedMetadataResponse = 22
    case lookup = 23
    case lookupResponse = 24
    case getLastMessageID = 29
    case getLastMessageIDResponse = 30
    case authChallenge = 36
    case authResponse = 37

    /// The protocol's name of the type, for logs and errors.
    var name: String {
        switch self {
        case .connect: "CONNECT"
        case .connected: "CONNECTED"
        case .subscribe: "SUBSCRIBE"
        case .producer: "PRODUCER"
        case .send: "SEND"
        case .sendReceipt: "SEND_RECEIPT"
        case .sendError: "SEND_ERROR"
        case .message: "MESSAGE"
        case .ack: "ACK"
        case .flow: "FLOW"
        case .success: "SUCCESS"
        case .error: "ERROR"
        case .closeProducer: "CLOSE_PRODUCER"
        case .closeConsumer: "CLOSE_CONSUMER"
        case .producerSuccess: "PRODUCER_SUCCESS"
        case .ping: "PING"
        case .pong: "PONG"
        case .partitionedMetadata: "PARTITIONED_METADATA"
        case .partitionedMetadataResponse: "PARTITIONED_METADATA_RESPONSE"
        case .lookup: "LOOKUP"
        case .lookupResponse: "LOOKUP_RESPONSE"
        case .getLastMessageID: "GET_LAST_MESSAGE_ID"
        case .getLastMessageIDResponse: "GET_LAST_MESSAGE_ID_RESPONSE"
        case .authChallenge: "AUTH_CHALLENGE"
        case .authResponse: "AUTH_RESPONSE"
        }
    }
}
