import CompositeBroker
import CompositeCore
import Testing

@Suite struct InMemoryBrokerTests {
    let topic = "persistent://krane/tasks/acme-events"

    @Test func aNewConsumerGetsExactlyTheUnacknowledgedMessagesInOrder() async throws {
        let broker = InMemoryBroker()
        var ids: [MessageID] = []
        for index in 0..<5 {
            ids.append(try await broker.publish(OutgoingMessage(payload: [UInt8(index)]), to: self.topic))
        }
        let first = try await broker.subscribe(topics: [self.topic], subscription: "s")
        var received: [BrokerMessage] = []
        while let message = try await first.receive(timeout: .zero) { received.append(message) }
        #expect(received.map(\.payload) == [[0], [1], [2], [3], [4]])
        try await first.acknowledge([
            MessageRef(topic: self.topic, id: ids[1]), MessageRef(topic: self.topic, id: ids[3]),
        ])
        await first.close()
        await #expect(throws: BrokerError.self) { try await first.receive(timeout: .zero) }

        let second = try await broker.subscribe(topics: [self.topic], subscription: "s")
        var again: [BrokerMessage] = []
        while let message = try await second.receive(timeout: .zero) { again.append(message) }
        #expect(again.map(\.payload) == [[0], [2], [4]])
        #expect(again.allSatisfy { $0.redeliveryCount == 1 })
        // Another subscription has its own acknowledgements.
        let other = try await broker.subscribe(topics: [self.topic], subscription: "other")
        var all = 0
        while try await other.receive(timeout: .zero) != nil { all += 1 }
        #expect(all == 5)
    }

    @Test func randomInterleavingKeepsEachTopicsOrder() async throws {
        let broker = InMemoryBroker(configuration: .init(interleaving: .random(seed: 42)))
        let experiments = "persistent://krane/experiments/acme-events"
        for index in 0..<50 {
            _ = try await broker.publish(
                OutgoingMessage(payload: [UInt8(index)]),
                to: index % 2 == 0 ? self.topic : experiments
            )
        }
        let consumer = try await broker.subscribe(topics: [self.topic, experiments], subscription: "s")
        var byTopic: [String: [UInt8]] = [:]
        var order: [UInt8] = []
        while let message = try await consumer.receive(timeout: .zero) {
            byTopic[message.topic, default: []].append(message.payload[0])
            order.append(message.payload[0])
        }
        #expect(byTopic[self.topic] == stride(from: 0, to: 50, by: 2).map(UInt8.init))
        #expect(byTopic[experiments] == stride(from: 1, to: 50, by: 2).map(UInt8.init))
        #expect(order != (0..<50).map(UInt8.init), "a random interleaving differs from publish order")
    }

    @Test func duplicatesRedeliverTheSameMessageId() async throws {
        let broker = InMemoryBroker(configuration: .init(duplicateEvery: 2))
        for index in 0..<4 { _ = try await broker.publish(OutgoingMessage(payload: [UInt8(index)]), to: self.topic) }
        let consumer = try await broker.subscribe(topics: [self.topic], subscription: "s")
        var ids: [UInt64] = []
        while let message = try await consumer.receive(timeout: .zero) { ids.append(message.id.entryId) }
        #expect(ids == [0, 1, 1, 2, 3, 3])
    }

    @Test func logicalPublishTimesAddNoEventTime() async throws {
        let broker = InMemoryBroker()
        broker.load(
            OutgoingMessage(payload: [1]),
            to: self.topic,
            publishTime: Timestamp(millisecondsSinceEpoch: 5_000)
        )
        _ = try await broker.publish(OutgoingMessage(payload: [2]), to: self.topic)
        let consumer = try await broker.subscribe(topics: [self.topic], subscription: "s")
        let first = try await consumer.receive(timeout: .zero)
        let second = try await consumer.receive(timeout: .zero)
        #expect(first?.publishTime == second?.publishTime)
        #expect(broker.publishedMessages.map(\.payload) == [[2]])
    }

    /// `replay --forget-every N`: every Nth acknowledgement recorded so far, in acknowledgement order, is forgotten;
    /// the next consumer gets those messages again, in topic order; forgotten ones are no longer counted.
    @Test func everyNthAcknowledgementIsForgottenInAcknowledgementOrder() async throws {
        let broker = InMemoryBroker()
        var ids: [MessageID] = []
        for index in 0..<6 {
            ids.append(try await broker.publish(OutgoingMessage(payload: [UInt8(index)]), to: self.topic))
        }
        let first = try await broker.subscribe(topics: [self.topic], subscription: "s")
        for index in [5, 0, 3, 1, 4] { try await first.acknowledge([MessageRef(topic: self.topic, id: ids[index])]) }
        #expect(broker.forgetAcknowledgements(every: 2) == 2, "the 2nd (0) and the 4th (1)")
        let second = try await broker.subscribe(topics: [self.topic], subscription: "s")
        var received: [UInt8] = []
        while let message = try await second.receive(timeout: .zero) { received += message.payload }
        #expect(received == [0, 1, 2])
        #expect(broker.forgetAcknowledgements(every: 2) == 1, "of 5, 3, 4 left: the 2nd (3)")
    }
}
