extension PulsarCommand {
    /// The command as a serialised `BaseCommand`: its type in field 1 and its body in the field of the same number.
    var encodedBaseCommand: [UInt8] {
        var writer = ProtoWriter()
        writer.uint(1, UInt64(self.type))
        let type = self.type
        switch self {
        case .connect(let body): writer.message(type) { body.encode(into: &$0) }
        case .connected(let body): writer.message(type) { body.encode(into: &$0) }
        case .subscribe(let body): writer.message(type) { body.encode(into: &$0) }
        case .producer(let body): writer.message(type) { body.encode(into: &$0) }
        case .send(let body): writer.message(type) { body.encode(into: &$0) }
        case .sendReceipt(let body): writer.message(type) { body.encode(into: &$0) }
        case .sendError(let body): writer.message(type) { body.encode(into: &$0) }
        case .message(let body): writer.message(type) { body.encode(into: &$0) }
        case .ack(let body): writer.message(type) { body.encode(into: &$0) }
        case .flow(let body): writer.message(type) { body.encode(into: &$0) }
        case .success(let body): writer.message(type) { body.encode(into: &$0) }
        case .error(let body): writer.message(type) { body.encode(into: &$0) }
        case .closeProducer(let body): writer.message(type) { body.encode(into: &$0) }
        case .closeConsumer(let body): writer.message(type) { body.encode(into: &$0) }
        case .producerSuccess(let body): writer.message(type) { body.encode(into: &$0) }
        case .ping, .pong: writer.message(type) { _ in }
        case .partitionedMetadata(let body): writer.message(type) { body.encode(into: &$0) }
        case .partitionedMetadataResponse(let body): writer.message(type) { body.encode(into: &$0) }
        case .lookup(let body): writer.message(type) { body.encode(into: &$0) }
        case .lookupResponse(let body): writer.message(type) { body.encode(into: &$0) }
        case .authChallenge(let body): writer.message(type) { body.encode(into: &$0) }
        case .authResponse(let body): writer.message(type) { body.encode(into: &$0) }
        case .getLastMessageID(let body): writer.message(type) { body.encode(into: &$0) }
        case .getLastMessageIDResponse(let body): writer.message(type) { body.encode(into: &$0) }
        case .other: break
        }
        return writer.bytes
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
        switch kind {
        case 2: self = .connect(try Connect(decoding: body))
        case 3: self = .connected(try Connected(decoding: body))
        case 4: self = .subscribe(try Subscribe(decoding: body))
        case 5: self = .producer(try Producer(decoding: body))
        case 6: self = .send(try Send(decoding: body))
        case 7: self = .sendReceipt(try SendReceipt(decoding: body))
        case 8: self = .sendError(try SendError(decoding: body))
        case 9: self = .message(try Message(decoding: body))
        case 10: self = .ack(try Ack(decoding: body))
        case 11: self = .flow(try Flow(decoding: body))
        case 13: self = .success(try Success(decoding: body))
        case 14: self = .error(try ServerErrorResponse(decoding: body))
        case 15: self = .closeProducer(try CloseProducer(decoding: body))
        case 16: self = .closeConsumer(try CloseConsumer(decoding: body))
        case 17: self = .producerSuccess(try ProducerSuccess(decoding: body))
        case 18: self = .ping
        case 19: self = .pong
        case 21: self = .partitionedMetadata(try PartitionedMetadata(decoding: body))
        case 22: self = .partitionedMetadataResponse(try PartitionedMetadataResponse(decoding: body))
        case 23: self = .lookup(try Lookup(decoding: body))
        case 24: self = .lookupResponse(try LookupResponse(decoding: body))
        case 36: self = .authChallenge(try AuthChallenge(decoding: body))
        case 29: self = .getLastMessageID(try GetLastMessageID(decoding: body))
        case 30: self = .getLastMessageIDResponse(try GetLastMessageIDResponse(decoding: body))
        case 37: self = .authResponse(try AuthResponse(decoding: body))
        default: self = .other(type: kind)
        }
    }
}
