import CompositeBroker
import CompositeCore

/// Decoding a delivered entry into the application's messages: one message, or the messages of a batch that the
/// broker still counts as unacknowledged.
extension PartitionConsumer {
    /// The messages of one entry, and how many batch indexes were left out because the broker marked them acked.
    func decode(_ message: Message, _ payload: PulsarFrame.Payload) throws(PulsarError) -> (
        [BrokerMessage], Int
    ) {
        let metadata = payload.metadata
        guard metadata.compression == 0 else {
            throw PulsarError(
                .malformed,
                "compressed with \(Self.codec(metadata.compression)), which this client does not decompress"
            )
        }
        let publishTime = Timestamp(millisecondsSinceEpoch: Int64(clamping: metadata.publishTime))
        let wire = message.messageID
        func id(_ batchIndex: Int32) -> MessageID {
            MessageID(ledgerId: wire.ledgerID, entryId: wire.entryID, partition: self.partition, batchIndex: batchIndex)
        }
        guard let count = metadata.numMessagesInBatch else {
            return (
                [
                    BrokerMessage(
                        topic: self.reportedTopic,
                        id: id(-1),
                        publishTime: publishTime,
                        payload: payload.body,
                        key: metadata.partitionKey,
                        properties: metadata.properties,
                        redeliveryCount: Int(message.redeliveryCount)
                    )
                ], 0
            )
        }
        let items = try BatchPayload.unpack(payload.body, count: Int(count))
        var messages: [BrokerMessage] = []
        var skipped = 0
        var alreadyAcknowledged: Set<Int32> = []
        for item in items {
            guard message.isUnacknowledged(batchIndex: item.index), !item.metadata.compactedOut else {
                skipped += 1
                alreadyAcknowledged.insert(Int32(item.index))
                continue
            }
            messages.append(
                BrokerMessage(
                    topic: self.reportedTopic,
                    id: id(Int32(item.index)),
                    publishTime: publishTime,
                    payload: item.payload,
                    key: item.metadata.partitionKey,
                    properties: item.metadata.properties,
                    redeliveryCount: Int(message.redeliveryCount)
                )
            )
        }
        self.state.withLock {
            $0.machine.batchArrived(
                ledgerID: wire.ledgerID,
                entryID: wire.entryID,
                size: items.count,
                alreadyAcknowledged: alreadyAcknowledged
            )
        }
        return (messages, skipped)
    }

    /// The name of a `CompressionType` value of Pulsar's `MessageMetadata`.
    static func codec(_ value: UInt64) -> String {
        switch value {
        case 1: "LZ4"
        case 2: "ZLIB"
        case 3: "ZSTD"
        case 4: "SNAPPY"
        default: "compression \(value)"
        }
    }
}
