import Foundation
import Logging

/// Publishes to one (partition) topic with a receipt for every message.
///
/// `send` returns only once the broker's `SEND_RECEIPT` names the stored message: that is the guarantee the engine
/// relies on before it acknowledges what a result settled. When the connection breaks, the producer is created
/// again (after a fresh lookup, with backoff) under the same name and every unanswered message is sent again with
/// its sequence id, so a broker with deduplication stores it once and one without stores it at least once.
actor PulsarProducer {
    let topic: String
    private let client: PulsarClient
    private let logger: Logger
    private var connection: PulsarConnection?
    private var producerID: UInt64 = 0
    private var producerName: String?
    private var nextSequenceID: UInt64 = 0
    private var backoff: Backoff

    init(topic: String, client: PulsarClient, logger: Logger) {
        self.topic = topic
        self.client = client
        self.logger = logger
        self.backoff = Backoff(
            initial: client.configuration.initialBackoff,
            maximum: client.configuration.maxBackoff
        )
    }

    /// Sends one message and returns its id from the receipt. Retries through reconnections until
    /// `operationTimeout` has passed since the call.
    /// The bytes a SEND frame takes beyond its command: the metadata as encoded, the payload, and a bound for the
    /// frame's sizes, magic number, checksum and SEND command.
    static func frameSize(metadata: MessageMetadata, payload: Int) -> Int {
        var writer = ProtoWriter()
        metadata.encode(into: &writer)
        return writer.bytes.count + payload + 64
    }

    func send(_ message: PulsarOutgoing) async throws(PulsarError) -> MessageIDData {
        let sequenceID = self.nextSequenceID
        self.nextSequenceID += 1
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: self.client.configuration.operationTimeout)
        while true {
            do throws(PulsarError) {
                let (connection, producerID, producerName) = try await self.ready()
                var metadata = MessageMetadata(
                    producerName: producerName,
                    sequenceID: sequenceID,
                    publishTime: message.publishTime
                )
                metadata.properties = message.properties
                metadata.partitionKey = message.key
                let frame = PulsarFrame(
                    .send(Send(producerID: producerID, sequenceID: sequenceID)),
                    payload: PulsarFrame.Payload(metadata: metadata, body: message.payload)
                )
                // Properties count too: a dead letter carries its reason and source beside the original payload.
                let frameSize = Self.frameSize(metadata: metadata, payload: message.payload.count)
                guard frameSize <= connection.maxMessageSize else {
                    throw PulsarError(
                        .messageTooLarge,
                        "message of \(frameSize) bytes with its metadata exceeds the broker's limit of "
                            + "\(connection.maxMessageSize)",
                        topic: self.topic
                    )
                }
                do {
                    let id = try await connection.send(frame, producerID: producerID, sequenceID: sequenceID).get()
                    self.backoff.reset()
                    return id
                } catch {
                    throw PulsarConnection.pulsarError(error, topic: self.topic)
                }
            } catch {
                guard error.isRetriable, clock.now < deadline else { throw error }
                self.logger.warning(
                    "publish failed; reconnecting",
                    metadata: ["topic": "\(self.topic)", "error": "\(error)"]
                )
                self.connection = nil
                try? await Task.sleep(for: min(self.backoff.next(), deadline - clock.now))
            }
        }
    }

    /// The connection and producer to send with, creating the producer when there is none.
    private func ready() async throws(PulsarError) -> (PulsarConnection, UInt64, String) {
        if let connection, connection.isActive, let producerName { return (connection, self.producerID, producerName) }
        let connection = try await self.client.brokerConnection(for: self.topic)
        let producerID = await self.client.nextID()
        let topic = self.topic
        let requestedName = self.producerName
        let answer = try await connection.request(topic: topic) { id in
            .producer(Producer(topic: topic, producerID: producerID, requestID: id, producerName: requestedName))
        }
        guard case .producerSuccess(let success) = answer else {
            throw PulsarError(.malformed, "PRODUCER answered with \(answer.name)", topic: topic)
        }
        let registered = await connection.register(producerID: producerID) { [weak self] error in
            guard let self else { return }
            Task { await self.lost(producerID: producerID, error) }
        }
        guard registered else {
            throw PulsarError(.connectionFailed, "connection closed while creating the producer", topic: topic)
        }
        self.connection = connection
        self.producerID = producerID
        self.producerName = success.producerName
        if success.lastSequenceID >= 0 {
            self.nextSequenceID = max(self.nextSequenceID, UInt64(success.lastSequenceID) + 1)
        }
        self.logger.debug("producer ready", metadata: ["topic": "\(topic)", "producer": "\(success.producerName)"])
        return (connection, producerID, success.producerName)
    }

    private func lost(producerID: UInt64, _ error: PulsarError) {
        guard producerID == self.producerID else { return }
        self.connection = nil
    }

    func close() async {
        guard let connection, connection.isActive else { return }
        let producerID = self.producerID
        connection.unregister(producerID: producerID)
        _ = try? await connection.request(topic: self.topic) { id in
            .closeProducer(CloseProducer(producerID: producerID, requestID: id))
        }
        self.connection = nil
    }
}

/// A message on its way to the broker.
struct PulsarOutgoing: Sendable {
    var payload: [UInt8]
    var key: String?
    var properties: [String: String]
    /// Milliseconds since the epoch.
    var publishTime: UInt64
}
