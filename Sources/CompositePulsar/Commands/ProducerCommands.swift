// Creating producers and sending messages.

struct Producer: CommandBody {
    var topic: String
    var producerID: UInt64
    var requestID: UInt64
    var producerName: String?

    init(topic: String, producerID: UInt64, requestID: UInt64, producerName: String? = nil) {
        self.topic = topic
        self.producerID = producerID
        self.requestID = requestID
        self.producerName = producerName
    }

    func encode(into writer: inout ProtoWriter) {
        writer.string(1, self.topic)
        writer.uint(2, self.producerID)
        writer.uint(3, self.requestID)
        if let producerName { writer.string(4, producerName) }
    }

    init(decoding bytes: ArraySlice<UInt8>) throws(PulsarError) {
        self.topic = ""
        self.producerID = 0
        self.requestID = 0
        var topic: String?
        var producer: UInt64?
        var request: UInt64?
        try ProtoReader.forEachField(in: bytes) { (field, value) throws(PulsarError) in
            switch field {
            case 1: topic = value.string
            case 2: producer = value.uint
            case 3: request = value.uint
            case 4: self.producerName = value.string
            default: break
            }
        }
        self.topic = try required(topic, "topic", in: "PRODUCER")
        self.producerID = try required(producer, "producer_id", in: "PRODUCER")
        self.requestID = try required(request, "request_id", in: "PRODUCER")
    }
}

struct ProducerSuccess: CommandBody {
    var requestID: UInt64
    var producerName: String
    var lastSequenceID: Int64

    init(requestID: UInt64, producerName: String, lastSequenceID: Int64 = -1) {
        self.requestID = requestID
        self.producerName = producerName
        self.lastSequenceID = lastSequenceID
    }

    func encode(into writer: inout ProtoWriter) {
        writer.uint(1, self.requestID)
        writer.string(2, self.producerName)
        writer.int(3, self.lastSequenceID)
    }

    init(decoding bytes: ArraySlice<UInt8>) throws(PulsarError) {
        self.requestID = 0
        var request: UInt64?
        self.producerName = ""
        self.lastSequenceID = -1
        try ProtoReader.forEachField(in: bytes) { (field, value) throws(PulsarError) in
            switch field {
            case 1: request = value.uint
            case 2: self.producerName = value.string ?? ""
            case 3: self.lastSequenceID = value.int ?? -1
            default: break
            }
        }
        self.requestID = try required(request, "request_id", in: "PRODUCER_SUCCESS")
    }
}

struct Send: CommandBody {
    var producerID: UInt64
    var sequenceID: UInt64
    var numMessages: Int32

    init(producerID: UInt64, sequenceID: UInt64, numMessages: Int32 = 1) {
        self.producerID = producerID
        self.sequenceID = sequenceID
        self.numMessages = numMessages
    }

    func encode(into writer: inout ProtoWriter) {
        writer.uint(1, self.producerID)
        writer.uint(2, self.sequenceID)
        if self.numMessages != 1 { writer.int(3, Int64(self.numMessages)) }
    }

    init(decoding bytes: ArraySlice<UInt8>) throws(PulsarError) {
        self.producerID = 0
        self.sequenceID = 0
        var producer: UInt64?
        var sequence: UInt64?
        self.numMessages = 1
        try ProtoReader.forEachField(in: bytes) { (field, value) throws(PulsarError) in
            switch field {
            case 1: producer = value.uint
            case 2: sequence = value.uint
            case 3: self.numMessages = Int32(truncatingIfNeeded: value.int ?? 1)
            default: break
            }
        }
        self.producerID = try required(producer, "producer_id", in: "SEND")
        self.sequenceID = try required(sequence, "sequence_id", in: "SEND")
    }
}

struct SendReceipt: CommandBody {
    var producerID: UInt64
    var sequenceID: UInt64
    var messageID: MessageIDData?

    init(producerID: UInt64, sequenceID: UInt64, messageID: MessageIDData?) {
        self.producerID = producerID
        self.sequenceID = sequenceID
        self.messageID = messageID
    }

    func encode(into writer: inout ProtoWriter) {
        writer.uint(1, self.producerID)
        writer.uint(2, self.sequenceID)
        if let messageID { writer.message(3) { messageID.encode(into: &$0) } }
    }

    init(decoding bytes: ArraySlice<UInt8>) throws(PulsarError) {
        self.producerID = 0
        self.sequenceID = 0
        var producer: UInt64?
        var sequence: UInt64?
        try ProtoReader.forEachField(in: bytes) { (field, value) throws(PulsarError) in
            switch field {
            case 1: producer = value.uint
            case 2: sequence = value.uint
            case 3: self.messageID = try MessageIDData(decoding: value.data ?? [])
            default: break
            }
        }
        self.producerID = try required(producer, "producer_id", in: "SEND_RECEIPT")
        self.sequenceID = try required(sequence, "sequence_id", in: "SEND_RECEIPT")
    }
}

struct SendError: CommandBody {
    var producerID: UInt64
    var sequenceID: UInt64
    var error: ServerError
    var message: String

    init(producerID: UInt64, sequenceID: UInt64, error: ServerError, message: String) {
        self.producerID = producerID
        self.sequenceID = sequenceID
        self.error = error
        self.message = message
    }

    func encode(into writer: inout ProtoWriter) {
        writer.uint(1, self.producerID)
        writer.uint(2, self.sequenceID)
        writer.uint(3, UInt64(self.error.rawValue))
        writer.string(4, self.message)
    }

    init(decoding bytes: ArraySlice<UInt8>) throws(PulsarError) {
        self.producerID = 0
        self.sequenceID = 0
        var producer: UInt64?
        var sequence: UInt64?
        self.error = .unknown
        self.message = ""
        try ProtoReader.forEachField(in: bytes) { (field, value) throws(PulsarError) in
            switch field {
            case 1: producer = value.uint
            case 2: sequence = value.uint
            case 3: self.error = ServerError(code: value.uint ?? 0)
            case 4: self.message = value.string ?? ""
            default: break
            }
        }
        self.producerID = try required(producer, "producer_id", in: "SEND_ERROR")
        self.sequenceID = try required(sequence, "sequence_id", in: "SEND_ERROR")
    }
}

struct CloseProducer: CommandBody {
    var producerID: UInt64
    var requestID: UInt64

    init(producerID: UInt64, requestID: UInt64) {
        self.producerID = producerID
        self.requestID = requestID
    }

    func encode(into writer: inout ProtoWriter) {
        writer.uint(1, self.producerID)
        writer.uint(2, self.requestID)
    }

    init(decoding bytes: ArraySlice<UInt8>) throws(PulsarError) {
        self.producerID = 0
        var producer: UInt64?
        self.requestID = 0
        try ProtoReader.forEachField(in: bytes) { (field, value) throws(PulsarError) in
            if field == 1 { producer = value.uint }
            if field == 2 { self.requestID = value.uint ?? 0 }
        }
        self.producerID = try required(producer, "producer_id", in: "CLOSE_PRODUCER")
    }
}
