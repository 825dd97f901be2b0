extension PulsarCommand {
    /// The command as a serialised `BaseCommand`: its type in field 1 and its body in the field of the same number.
    var encodedBaseCommand: [UInt8] {
        var writer = ProtoWriter()
        let type = self.type
        writer.uint(1, UInt64(type))
        switch self {
        case .ping, .pong: writer.message(type) { _ in }
        case .other: break
        default: if let body = self.body { writer.message(type) { body.encode(into: &$0) } }
        }
        return writer.bytes
    }

    /// The command's body, for the commands that have one.
    private var body: (any CommandBody)? {
        switch self {
        case .connect(let body): body
        case .connected(let body): body
        case .subscribe(let body): body
        case .producer(let body): body
        case .send(let body): body
        case .sendReceipt(let body): body
        case .sendError(let body): body
        case .message(let body): body
        case .ack(let body): body
        case .flow(let body): body
        case .success(let body): body
        case .error(let body): body
        case .closeProducer(let body): body
        case .closeConsumer(let body): body
        case .producerSuccess(let body): body
        case .partitionedMetadata(let body): body
        case .partitionedMetadataResponse(let body): body
        case .lookup(let body): body
        case .lookupResponse(let body): body
        case .authChallenge(let body): body
        case .authResponse(let body): body
        case .getLastMessageID(let body): body
        case .getLastMessageIDResponse(let body): body
        case .ping, .pong, .other: nil
        }
    }

    /// Decodes a serialised `BaseCommand`.
    init(decodingBaseCommand bytes: ArraySlice<UInt8>) throws(PulsarError) {
        var type: Int?
        var bodies: [Int: ArraySlice<UInt8>] = [:]
        try ProtoReader.forEachField(in: bytes) { (field, value) throws(PulsarError) in
            if field == 1 {
                type = value.uint.map { Int(truncatingIfNeeded: $0) }
            } else if let data = value.data {
                bodies[field] = data
            }
        }
        let kind = try required(type, "type", in: "BaseCommand")
        let body = bodies[kind] ?? []
        guard let known = PulsarCommandType(rawValue: kind) else {
            self = .other(type: kind)
            return
        }
        switch known {
        case .connect: self = .connect(try Connect(decoding: body))
        case .connected: self = .connected(try Connected(decoding: body))
        case .subscribe: self = .subscribe(try Subscribe(decoding: body))
        case .producer: self = .producer(try Producer(decoding: body))
        case .send: self = .send(try Send(decoding: body))
        case .sendReceipt: self = .sendReceipt(try SendReceipt(decoding: body))
        case .sendError: self = .sendError(try SendError(decoding: body))
        case .message: self = .message(try Message(decoding: body))
        case .ack: self = .ack(try Ack(decoding: body))
        case .flow: self = .flow(try Flow(decoding: body))
        case .success: self = .success(try Success(decoding: body))
        case .error: self = .error(try ServerErrorResponse(decoding: body))
        case .closeProducer: self = .closeProducer(try CloseProducer(decoding: body))
        case .closeConsumer: self = .closeConsumer(try CloseConsumer(decoding: body))
        case .producerSuccess: self = .producerSuccess(try ProducerSuccess(decoding: body))
        case .ping: self = .ping
        case .pong: self = .pong
        case .partitionedMetadata: self = .partitionedMetadata(try PartitionedMetadata(decoding: body))
        case .partitionedMetadataResponse:
            self = .partitionedMetadataResponse(try PartitionedMetadataResponse(decoding: body))
        case .lookup: self = .lookup(try Lookup(decoding: body))
        case .lookupResponse: self = .lookupResponse(try LookupResponse(decoding: body))
        case .getLastMessageID: self = .getLastMessageID(try GetLastMessageID(decoding: body))
        case .getLastMessageIDResponse: self = .getLastMessageIDResponse(try GetLastMessageIDResponse(decoding: body))
        case .authChallenge: self = .authChallenge(try AuthChallenge(decoding: body))
        case .authResponse: self = .authResponse(try AuthResponse(decoding: body))
        }
    }
}
