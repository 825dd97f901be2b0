/// One Pulsar `BaseCommand`: the commands this client sends and the ones it understands from a broker.
///
/// Each case's number is both its `BaseCommand.Type` and the `BaseCommand` field holding its body.
enum PulsarCommand: Sendable, Equatable {
    case connect(Connect)
    case connected(Connected)
    case subscribe(Subscribe)
    case producer(Producer)
    case send(Send)
    case sendReceipt(SendReceipt)
    case sendError(SendError)
    case message(Message)
    case ack(Ack)
    case flow(Flow)
    case success(Success)
    case error(ServerErrorResponse)
    case closeProducer(CloseProducer)
    case closeConsumer(CloseConsumer)
    case producerSuccess(ProducerSuccess)
    case ping
    case pong
    case partitionedMetadata(PartitionedMetadata)
    case partitionedMetadataResponse(PartitionedMetadataResponse)
    case lookup(Lookup)
    case lookupResponse(LookupResponse)
    case authChallenge(AuthChallenge)
    case authResponse(AuthResponse)
    case getLastMessageID(GetLastMessageID)
    case getLastMessageIDResponse(GetLastMessageIDResponse)
    /// A command this client does not act on (`ACTIVE_CONSUMER_CHANGE`, `REACHED_END_OF_TOPIC`, …).
    case other(type: Int)

    var type: Int {
        switch self {
        case .connect: 2
        case .connected: 3
        case .subscribe: 4
        case .producer: 5
        case .send: 6
        case .sendReceipt: 7
        case .sendError: 8
        case .message: 9
        case .ack: 10
        case .flow: 11
        case .success: 13
        case .error: 14
        case .closeProducer: 15
        case .closeConsumer: 16
        case .producerSuccess: 17
        case .ping: 18
        case .pong: 19
        case .partitionedMetadata: 21
        case .partitionedMetadataResponse: 22
        case .lookup: 23
        case .lookupResponse: 24
        case .authChallenge: 36
        case .authResponse: 37
        case .getLastMessageID: 29
        case .getLastMessageIDResponse: 30
        case .other(let type): type
        }
    }

    /// The command's name for logs and errors.
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
        case .authChallenge: "AUTH_CHALLENGE"
        case .authResponse: "AUTH_RESPONSE"
        case .getLastMessageID: "GET_LAST_MESSAGE_ID"
        case .getLastMessageIDResponse: "GET_LAST_MESSAGE_ID_RESPONSE"
        case .other(let type): "command \(type)"
        }
    }

    /// The `request_id` a response answers, for correlating it with its request.
    var responseRequestID: UInt64? {
        switch self {
        case .success(let body): body.requestID
        case .error(let body): body.requestID
        case .producerSuccess(let body): body.requestID
        case .partitionedMetadataResponse(let body): body.requestID
        case .lookupResponse(let body): body.requestID
        case .getLastMessageIDResponse(let body): body.requestID
        default: nil
        }
    }
}

/// A Pulsar message id on the wire (`MessageIdData`).
struct MessageIDData: Sendable, Hashable {
    var ledgerID: UInt64
    var entryID: UInt64
    var partition: Int32 = -1
    var batchIndex: Int32 = -1
    var batchSize: Int32?

    func encode(into writer: inout ProtoWriter) {
        writer.uint(1, self.ledgerID)
        writer.uint(2, self.entryID)
        if self.partition != -1 { writer.int(3, Int64(self.partition)) }
        if self.batchIndex != -1 { writer.int(4, Int64(self.batchIndex)) }
        if let batchSize = self.batchSize { writer.int(6, Int64(batchSize)) }
    }

    init(ledgerID: UInt64, entryID: UInt64, partition: Int32 = -1, batchIndex: Int32 = -1, batchSize: Int32? = nil) {
        self.ledgerID = ledgerID
        self.entryID = entryID
        self.partition = partition
        self.batchIndex = batchIndex
        self.batchSize = batchSize
    }

    init(decoding bytes: ArraySlice<UInt8>) throws(PulsarError) {
        var ledger: UInt64?
        var entry: UInt64?
        self.ledgerID = 0
        self.entryID = 0
        try ProtoReader.forEachField(in: bytes) { (field, value) throws(PulsarError) in
            switch field {
            case 1: ledger = value.uint
            case 2: entry = value.uint
            case 3: self.partition = Int32(truncatingIfNeeded: value.int ?? -1)
            case 4: self.batchIndex = Int32(truncatingIfNeeded: value.int ?? -1)
            case 6: self.batchSize = value.int.map { Int32(truncatingIfNeeded: $0) }
            default: break
            }
        }
        guard let ledger, let entry else { throw PulsarError.malformed("MessageIdData without ledgerId/entryId") }
        self.ledgerID = ledger
        self.entryID = entry
    }
}
