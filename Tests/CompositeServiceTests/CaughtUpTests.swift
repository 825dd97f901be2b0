import CompositeBroker
import CompositeCore
import CompositeEmbeddedBroker
import Foundation
import Testing

/// `BrokerConsumer.isCaughtUp(on:)`, the idle advance's question, answered the same way by the in-memory and the
/// embedded broker: true only once the consumer has been handed every message the broker holds for the subscription
/// on that topic, redeliveries after a restart included.
@Suite struct CaughtUpTests {
    let tasks = "persistent://krane/tasks/acme-events"
    let experiments = "persistent://krane/experiments/acme-events"

    func expectContract(_ broker: any MessageBroker) async throws {
        let topics = [self.tasks, self.experiments]
        let first = try await broker.subscribe(topics: topics, subscription: "s")
        #expect(try await first.isCaughtUp(on: self.tasks), "an empty topic is caught up")

        var ids: [MessageID] = []
        for index in 0..<3 {
            ids.append(try await broker.publish(OutgoingMessage(payload: [UInt8(index)]), to: self.tasks))
        }
        #expect(try await !first.isCaughtUp(on: self.tasks), "a backlog is not caught up, however quiet")
        #expect(try await first.isCaughtUp(on: self.experiments), "each topic answers for itself")
        let one = try #require(try await first.receive(timeout: .seconds(5)))
        let two = try #require(try await first.receive(timeout: .seconds(5)))
        #expect(try await !first.isCaughtUp(on: self.tasks), "one message is still unread")
        let three = try #require(try await first.receive(timeout: .seconds(5)))
        #expect([one, two, three].map(\.payload) == [[0], [1], [2]])
        #expect(try await first.isCaughtUp(on: self.tasks))

        // Held messages do not count against it; acknowledged ones are not waited for.
        try await first.acknowledge([MessageRef(topic: self.tasks, id: ids[1])])
        #expect(try await first.isCaughtUp(on: self.tasks))
        ids.append(try await broker.publish(OutgoingMessage(payload: [3]), to: self.tasks))
        #expect(try await !first.isCaughtUp(on: self.tasks), "a message published later is unread again")
        await first.close()

        // After a restart, the redeliveries of what was held are outstanding until they have all come.
        let second = try await broker.subscribe(topics: topics, subscription: "s")
        #expect(try await !second.isCaughtUp(on: self.tasks), "a restarted consumer waits for its redeliveries")
        var again: [[UInt8]] = []
        while let message = try await second.receive(timeout: .seconds(1)) {
            if message.topic == self.tasks { again.append(message.payload) }
            if again.count < 3 { #expect(try await !second.isCaughtUp(on: self.tasks)) }
        }
        #expect(again == [[0], [2], [3]])
        #expect(try await second.isCaughtUp(on: self.tasks))
        await second.close()
    }

    @Test func theInMemoryBrokerAnswersFromItsCursor() async throws {
        try await self.expectContract(InMemoryBroker())
    }

    @Test func theEmbeddedBrokerAnswersFromTheDatabase() async throws {
        let directory = try temporaryDirectory("caught-up")
        try await self.expectContract(try EmbeddedBroker(path: directory.appendingPathComponent("broker.sqlite").path))
    }

    @Test func messagesReadFromTheDatabaseButNotYetHandedOutAreNotCaughtUp() async throws {
        // The embedded consumer reads in batches: a batch in its buffer is not in the engine yet.
        let directory = try temporaryDirectory("caught-up-buffer")
        let broker = try EmbeddedBroker(path: directory.appendingPathComponent("broker.sqlite").path)
        for index in 0..<10 { _ = try await broker.publish(OutgoingMessage(payload: [UInt8(index)]), to: self.tasks) }
        let consumer = try await broker.subscribe(topics: [self.tasks], subscription: "s")
        for _ in 0..<9 { _ = try #require(try await consumer.receive(timeout: .seconds(5))) }
        #expect(try await !consumer.isCaughtUp(on: self.tasks))
        _ = try #require(try await consumer.receive(timeout: .seconds(5)))
        #expect(try await consumer.isCaughtUp(on: self.tasks))
    }

    /// The read-first hint the service's state topics use: their messages come before the others whenever both are
    /// there, however they were published, on both local brokers.
    func expectReadFirst(_ broker: any MessageBroker) async throws {
        let state = "persistent://krane/tasks/acme-events-composite-service-state"
        for index in 0..<3 { _ = try await broker.publish(OutgoingMessage(payload: [UInt8(index)]), to: self.tasks) }
        _ = try await broker.publish(OutgoingMessage(payload: [100]), to: state)
        let consumer = try await broker.subscribe(topics: [self.tasks, state], subscription: "s", readFirst: [state])
        var order: [UInt8] = []
        order += try #require(try await consumer.receive(timeout: .seconds(5))).payload
        order += try #require(try await consumer.receive(timeout: .seconds(5))).payload
        _ = try await broker.publish(OutgoingMessage(payload: [101]), to: state)
        while let message = try await consumer.receive(timeout: .milliseconds(300)) { order += message.payload }
        // The state message published last came first; the one published later comes as soon as the consumer reads
        // from the broker again (the embedded consumer reads batches), each topic in its own order.
        #expect(order.first == 100)
        #expect(order.filter { $0 < 100 } == [0, 1, 2] && order.sorted() == [0, 1, 2, 100, 101])
        #expect(try await consumer.isCaughtUp(on: state))
        #expect(try await consumer.isCaughtUp(on: self.tasks))
        await consumer.close()
    }

    @Test func inMemoryReadsTheReadFirstTopicsFirst() async throws {
        try await self.expectReadFirst(InMemoryBroker())
    }

    @Test func embeddedReadsTheReadFirstTopicsFirst() async throws {
        let directory = try temporaryDirectory("read-first")
        try await self.expectReadFirst(try EmbeddedBroker(path: directory.appendingPathComponent("broker.sqlite").path))
    }
}
