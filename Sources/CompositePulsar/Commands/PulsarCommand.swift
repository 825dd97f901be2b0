/// One Pulsar `BaseCommand`: the commands this client sends and the ones it understands from a broker. Their wire
/// numbers and names are in ``PulsarCommandType``.
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

    /// The command's `BaseCommand.Type` number (also the field holding its body).
    var type: Int {
        if case .other(let type) = self { return type }
        return self.commandType!.rawValue
    }

    /// The command's name for logs and errors.
    var name: String { self.commandType?.name ?? "command \(self.type)" }

    /// The known type of the command; `nil` for ``other(type:)``.
    var commandType: PulsarCommandType? {
        switch self {
        case .connect: .connect
        case .connected: .connected
        case .subscribe: .subscribe
        case .producer: .producer
        case .send: .send
        case .sendReceipt: .sendReceipt
        case .sendError: .sendError
        case .message: .message
        case .ack: .ack
        case .flow: .flow
        case .success: .success
        case .error: .error
        case .closeProducer: .closeProducer
        case .closeConsumer: .closeConsumer
        case .producerSuccess: .producerSuccess
        case .ping: .ping
        case .pong: .pong
        case .partitionedMetadata: .partitionedMetadata
        case .partitionedMetadataResponse: .partitionedMetadataResponse
        case .lookup: .lookup
        case .lookupResponse: .lookupResponse
        case .authChallenge: .authChallenge
        case .authResponse: .authResponse
        case .getLastMessageID: .getLastMessageID
        case .getLastMessageIDResponse: .getLastMessageIDResponse
        case .other: nil
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
