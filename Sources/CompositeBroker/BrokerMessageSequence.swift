/// A consumer's messages as an `AsyncSequence`: `for try await message in consumer.messages { … }`.
///
/// It waits as long as it takes for the next message, ends when the consumer is closed, and throws any other broker
/// error. Acknowledging stays explicit (`consumer.acknowledge`): iterating acknowledges nothing.
public struct BrokerMessageSequence: AsyncSequence, Sendable {
    public typealias Element = BrokerMessage

    let consumer: any BrokerConsumer
    /// How long one underlying `receive` waits before it asks again.
    let pollInterval: Duration

    public struct AsyncIterator: AsyncIteratorProtocol {
        let consumer: any BrokerConsumer
        let pollInterval: Duration

        public mutating func next() async throws -> BrokerMessage? {
            while !Task.isCancelled {
                do {
                    if let message = try await self.consumer.receive(timeout: self.pollInterval) { return message }
                } catch let error as BrokerError where error.code == .closed {
                    return nil
                }
            }
            return nil
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(consumer: self.consumer, pollInterval: self.pollInterval)
    }
}

extension BrokerConsumer {
    /// The messages of this consumer as an `AsyncSequence`, until it is closed or the task is cancelled.
    public var messages: BrokerMessageSequence {
        BrokerMessageSequence(consumer: self, pollInterval: .seconds(1))
    }
}
