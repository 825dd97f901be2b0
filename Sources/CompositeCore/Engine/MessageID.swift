/// A broker's id for one message on one topic, shaped like Pulsar's (ledger, entry, partition, batch index).
///
/// Other brokers map onto it: the embedded broker uses the entry for its row id, Kafka the partition and offset.
public struct MessageID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var ledgerId: UInt64
    public var entryId: UInt64
    public var partition: Int32
    public var batchIndex: Int32

    public init(ledgerId: UInt64 = 0, entryId: UInt64, partition: Int32 = -1, batchIndex: Int32 = -1) {
        self.ledgerId = ledgerId
        self.entryId = entryId
        self.partition = partition
        self.batchIndex = batchIndex
    }

    public static func < (lhs: MessageID, rhs: MessageID) -> Bool {
        (lhs.partition, lhs.ledgerId, lhs.entryId, lhs.batchIndex)
            < (rhs.partition, rhs.ledgerId, rhs.entryId, rhs.batchIndex)
    }

    public var description: String { "\(self.ledgerId):\(self.entryId):\(self.partition):\(self.batchIndex)" }

    /// Reads the form ``description`` writes (`ledger:entry:partition:batch`); `nil` for anything else.
    public init?(description: String) {
        let parts = description.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 4, let ledger = UInt64(parts[0]), let entry = UInt64(parts[1]),
            let partition = Int32(parts[2]), let batch = Int32(parts[3])
        else { return nil }
        self.init(ledgerId: ledger, entryId: entry, partition: partition, batchIndex: batch)
    }
}

/// A message on a topic: what an acknowledgement names.
public struct MessageRef: Sendable, Hashable, CustomStringConvertible {
    public var topic: String
    public var id: MessageID

    public init(topic: String, id: MessageID) {
        self.topic = topic
        self.id = id
    }

    public var description: String { "\(self.topic)@\(self.id)" }
}

/// One message as the broker handed it to the consumer.
public struct Delivery: Sendable, Hashable {
    /// The topic name as the broker reported it; acknowledgements use the same string.
    public var topic: String
    public var id: MessageID
    /// The broker publish time: the message's event time.
    public var publishTime: Timestamp
    public var payload: [UInt8]
    public var key: String?
    /// Why the broker client could not decode the entry; `payload` is then its raw bytes, and it is dead-lettered.
    public var undecodable: String?

    public init(
        topic: String,
        id: MessageID,
        publishTime: Timestamp,
        payload: [UInt8],
        key: String? = nil,
        undecodable: String? = nil
    ) {
        self.undecodable = undecodable
        self.topic = topic
        self.id = id
        self.publishTime = publishTime
        self.payload = payload
        self.key = key
    }
}
