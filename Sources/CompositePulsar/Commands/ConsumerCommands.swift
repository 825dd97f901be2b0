// Subscribing, flow control, message delivery and acknowledgement.

struct Subscribe: CommandBody {
    var topic: String
    var subscription: String
    var subscriptionType: PulsarSubscriptionType
    var consumerID: UInt64
    var requestID: UInt64
    var consumerName: String?
    /// Where a new subscription starts: `true` for the earliest message (Pulsar's default is the latest).
    var startAtEarliest: Bool

    init(
        topic: String,
        subscription: String,
        subscriptionType: PulsarSubscriptionType,
        consumerID: UInt64,
        requestID: UInt64,
        consumerName: String? = nil,
        startAtEarliest: Bool = true
    ) {
        self.topic = topic
        self.subscription = subscription
        self.subscriptionType = subscriptionType
        self.consumerID = consumerID
        self.requestID = requestID
        self.consumerName = consumerName
        self.startAtEarliest = startAtEarliest
    }

    func encode(into writer: inout ProtoWriter) {
        writer.string(1, self.topic)
        writer.string(2, self.subscription)
        writer.uint(3, self.subscriptionType.wireValue)
        writer.uint(4, self.consumerID)
        writer.uint(5, self.requestID)
        if let consumerName { writer.string(6, consumerName) }
        writer.bool(8, true)
        writer.uint(13, self.startAtEarliest ? 1 : 0)
    }

    init(decoding bytes: ArraySlice<UInt8>) throws(PulsarError) {
        self.topic = ""
        self.subscription = ""
        self.consumerID = 0
        self.requestID = 0
        var topic: String?
        var subscription: String?
        var consumer: UInt64?
        var request: UInt64?
        self.subscriptionType = .exclusive
        self.startAtEarliest = false
        try ProtoReader.forEachField(in: bytes) { (field, value) throws(PulsarError) in
            switch field {
            case 1: topic = value.string
            case 2: subscription = value.string
            case 3: self.subscriptionType = PulsarSubscriptionType(wireValue: value.uint ?? 0) ?? .exclusive
            case 4: consumer = value.uint
            case 5: request = value.uint
            case 6: self.consumerName = value.string
            case 13: self.startAtEarliest = value.uint == 1
            default: break
            }
        }
        self.topic = try required(topic, "topic", in: "SUBSCRIBE")
        self.subscription = try required(subscription, "subscription", in: "SUBSCRIBE")
        self.consumerID = try required(consumer, "consumer_id", in: "SUBSCRIBE")
        self.requestID = try required(request, "request_id", in: "SUBSCRIBE")
    }
}

struct Flow: CommandBody {
    var consumerID: UInt64
    var permits: UInt32

    init(consumerID: UInt64, permits: UInt32) {
        self.consumerID = consumerID
        self.permits = permits
    }

    func encode(into writer: inout ProtoWriter) {
        writer.uint(1, self.consumerID)
        writer.uint(2, UInt64(self.permits))
    }

    init(decoding bytes: ArraySlice<UInt8>) throws(PulsarError) {
        self.consumerID = 0
        var consumer: UInt64?
        self.permits = 0
        try ProtoReader.forEachField(in: bytes) { (field, value) throws(PulsarError) in
            if field == 1 { consumer = value.uint }
            if field == 2 { self.permits = UInt32(truncatingIfNeeded: value.uint ?? 0) }
        }
        self.consumerID = try required(consumer, "consumer_id", in: "FLOW")
    }
}

/// `CommandMessage`: the command part of a delivered message (its payload travels after it).
struct Message: CommandBody {
    var consumerID: UInt64
    var messageID: MessageIDData
    var redeliveryCount: UInt32
    /// For a batch: which indexes are still unacknowledged (bit set = still to deliver), as 64-bit words.
    var ackSet: [Int64]

    init(consumerID: UInt64, messageID: MessageIDData, redeliveryCount: UInt32 = 0, ackSet: [Int64] = []) {
        self.consumerID = consumerID
        self.messageID = messageID
        self.redeliveryCount = redeliveryCount
        self.ackSet = ackSet
    }

    func encode(into writer: inout ProtoWriter) {
        writer.uint(1, self.consumerID)
        writer.message(2) { self.messageID.encode(into: &$0) }
        if self.redeliveryCount > 0 { writer.uint(3, UInt64(self.redeliveryCount)) }
        for word in self.ackSet { writer.int(4, word) }
    }

    init(decoding bytes: ArraySlice<UInt8>) throws(PulsarError) {
        self.consumerID = 0
        self.messageID = MessageIDData(ledgerID: 0, entryID: 0)
        var consumer: UInt64?
        var id: MessageIDData?
        self.redeliveryCount = 0
        self.ackSet = []
        try ProtoReader.forEachField(in: bytes) { (field, value) throws(PulsarError) in
            switch field {
            case 1: consumer = value.uint
            case 2: id = try MessageIDData(decoding: value.data ?? [])
            case 3: self.redeliveryCount = UInt32(truncatingIfNeeded: value.uint ?? 0)
            case 4:
                // Repeated int64 may come packed (one length-delimited field) or one field per word.
                if let word = value.int {
                    self.ackSet.append(word)
                } else if let packed = value.data {
                    var reader = ProtoReader(packed)
                    while let word = try reader.nextPackedVarint() { self.ackSet.append(Int64(bitPattern: word)) }
                }
            default: break
            }
        }
        self.consumerID = try required(consumer, "consumer_id", in: "MESSAGE")
        self.messageID = try required(id, "message_id", in: "MESSAGE")
    }

    /// Whether batch index `index` is still to be delivered according to `ackSet`.
    func isUnacknowledged(batchIndex index: Int) -> Bool {
        guard !self.ackSet.isEmpty else { return true }
        let word = index / 64
        guard word < self.ackSet.count else { return false }
        return UInt64(bitPattern: self.ackSet[word]) & (1 << UInt64(index % 64)) != 0
    }
}

struct Ack: CommandBody {
    var consumerID: UInt64
    var cumulative: Bool
    var messageIDs: [MessageIDData]

    init(consumerID: UInt64, messageIDs: [MessageIDData], cumulative: Bool = false) {
        self.consumerID = consumerID
        self.messageIDs = messageIDs
        self.cumulative = cumulative
    }

    func encode(into writer: inout ProtoWriter) {
        writer.uint(1, self.consumerID)
        writer.uint(2, self.cumulative ? 1 : 0)
        for id in self.messageIDs { writer.message(3) { id.encode(into: &$0) } }
    }

    init(decoding bytes: ArraySlice<UInt8>) throws(PulsarError) {
        self.consumerID = 0
        var consumer: UInt64?
        self.cumulative = false
        self.messageIDs = []
        try ProtoReader.forEachField(in: bytes) { (field, value) throws(PulsarError) in
            switch field {
            case 1: consumer = value.uint
            case 2: self.cumulative = value.uint == 1
            case 3: self.messageIDs.append(try MessageIDData(decoding: value.data ?? []))
            default: break
            }
        }
        self.consumerID = try required(consumer, "consumer_id", in: "ACK")
    }
}

struct CloseConsumer: CommandBody {
    var consumerID: UInt64
    var requestID: UInt64

    init(consumerID: UInt64, requestID: UInt64) {
        self.consumerID = consumerID
        self.requestID = requestID
    }

    func encode(into writer: inout ProtoWriter) {
        writer.uint(1, self.consumerID)
        writer.uint(2, self.requestID)
    }

    init(decoding bytes: ArraySlice<UInt8>) throws(PulsarError) {
        self.consumerID = 0
        var consumer: UInt64?
        self.requestID = 0
        try ProtoReader.forEachField(in: bytes) { (field, value) throws(PulsarError) in
            if field == 1 { consumer = value.uint }
            if field == 2 { self.requestID = value.uint ?? 0 }
        }
        self.consumerID = try required(consumer, "consumer_id", in: "CLOSE_CONSUMER")
    }
}

/// Asks for the id of the last message stored on the consumer's topic (partition), to tell whether the consumer has
/// received everything: the idle advance's "caught up" question.
struct GetLastMessageID: CommandBody {
    var consumerID: UInt64
    var requestID: UInt64

    init(consumerID: UInt64, requestID: UInt64) {
        self.consumerID = consumerID
        self.requestID = requestID
    }

    func encode(into writer: inout ProtoWriter) {
        writer.uint(1, self.consumerID)
        writer.uint(2, self.requestID)
    }

    init(decoding bytes: ArraySlice<UInt8>) throws(PulsarError) {
        var consumer: UInt64?
        var request: UInt64?
        try ProtoReader.forEachField(in: bytes) { (field, value) throws(PulsarError) in
            switch field {
            case 1: consumer = value.uint
            case 2: request = value.uint
            default: break
            }
        }
        self.consumerID = try required(consumer, "consumer_id", in: "GET_LAST_MESSAGE_ID")
        self.requestID = try required(request, "request_id", in: "GET_LAST_MESSAGE_ID")
    }
}

/// The answer to ``GetLastMessageID``. An empty topic answers with entry id -1 (as an unsigned varint, the maximum),
/// which ``lastMessageID`` reports as `nil`.
struct GetLastMessageIDResponse: CommandBody {
    var lastMessageID: MessageIDData?
    var requestID: UInt64
    var markDeletePosition: MessageIDData?

    init(lastMessageID: MessageIDData?, requestID: UInt64, markDeletePosition: MessageIDData? = nil) {
        self.lastMessageID = lastMessageID
        self.requestID = requestID
        self.markDeletePosition = markDeletePosition
    }

    func encode(into writer: inout ProtoWriter) {
        let last = self.lastMessageID ?? MessageIDData(ledgerID: UInt64.max, entryID: UInt64.max)
        writer.message(1) { last.encode(into: &$0) }
        writer.uint(2, self.requestID)
        if let markDeletePosition { writer.message(3) { markDeletePosition.encode(into: &$0) } }
    }

    init(decoding bytes: ArraySlice<UInt8>) throws(PulsarError) {
        var last: MessageIDData?
        var request: UInt64?
        var markDelete: MessageIDData?
        try ProtoReader.forEachField(in: bytes) { (field, value) throws(PulsarError) in
            switch field {
            case 1: if let data = value.data { last = try MessageIDData(decoding: data) }
            case 2: request = value.uint
            case 3: if let data = value.data { markDelete = try MessageIDData(decoding: data) }
            default: break
            }
        }
        let lastMessageID = try required(last, "last_message_id", in: "GET_LAST_MESSAGE_ID_RESPONSE")
        // Brokers answer (-1, -1) for a topic that has never held a message.
        self.lastMessageID = lastMessageID.entryID == UInt64.max ? nil : lastMessageID
        self.requestID = try required(request, "request_id", in: "GET_LAST_MESSAGE_ID_RESPONSE")
        self.markDeletePosition = markDelete
    }
}
