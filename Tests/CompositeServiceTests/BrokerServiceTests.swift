import CompositeBroker
import CompositeCore
import CompositeEmbeddedBroker
import CompositeService
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// Brokers are services: listed first in a group they stay open while the services after them shut down, then close.
@Suite struct BrokerServiceTests {
    let topic = "persistent://krane/tasks/acme-events"

    /// Publishes one message when the group shuts down, as the processor publishes its last checkpoints.
    final class LastWordService: Service {
        let broker: any MessageBroker
        let topic: String
        let started = Mutex(false)

        init(broker: any MessageBroker, topic: String) {
            self.broker = broker
            self.topic = topic
        }

        func run() async throws {
            self.started.withLock { $0 = true }
            try? await gracefulShutdown()
            _ = try await self.broker.publish(OutgoingMessage(payload: Array("last word".utf8)), to: self.topic)
        }
    }

    /// Runs `broker` and a service that publishes on shutdown in one group, shuts the group down, and returns
    /// whether the group ended without error.
    func runAndShutDown(_ broker: any MessageBroker) async throws {
        let lastWord = LastWordService(broker: broker, topic: self.topic)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: broker), .init(service: lastWord)],
                logger: Logger(label: "test")
            )
        )
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            while !lastWord.started.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test func theInMemoryBrokerTakesTheLastPublicationOfALaterServiceThenCloses() async throws {
        let broker = InMemoryBroker()
        try await self.runAndShutDown(broker)
        #expect(broker.publishedMessages.map(\.payload) == [Array("last word".utf8)])
        await #expect(throws: BrokerError.self) {
            _ = try await broker.publish(OutgoingMessage(payload: [1]), to: self.topic)
        }
        await #expect(throws: BrokerError.self) {
            _ = try await broker.subscribe(topics: [self.topic], subscription: "s")
        }
    }

    @Test func theEmbeddedBrokerStoresTheLastPublicationOfALaterServiceThenCloses() async throws {
        let directory = try temporaryDirectory("broker-service")
        let configuration = EmbeddedBrokerConfiguration(dataDirectory: directory.path)
        let broker = try configuration.open()
        try await self.runAndShutDown(broker)
        await #expect(throws: BrokerError.self) {
            _ = try await broker.publish(OutgoingMessage(payload: [1]), to: self.topic)
        }
        // Stored durably before the close: a new process sees it.
        let reopened = try configuration.open()
        #expect(try reopened.messages(topic: self.topic).map(\.payload) == [Array("last word".utf8)])
        await reopened.close()
    }

    @Test func fixturePublishingKeepsPublishTimesAndOrderOnTheEmbeddedBroker() async throws {
        let directory = try temporaryDirectory("broker-service")
        let broker = try EmbeddedBrokerConfiguration(dataDirectory: directory.path).open()
        let start = Timestamp(iso8601: "2023-10-13T08:51:55.206Z")!
        // More than one batch, so that the batches' order is checked too.
        let messages = (0..<2_500).map { index in
            FixtureMessage(
                topic: self.topic,
                publishTime: start.adding(milliseconds: Int64(index)),
                payload: Array("\(index)".utf8),
                key: nil,
                file: "f.jsonl",
                line: index + 1
            )
        }
        var reported: [Int] = []
        try await ServiceRunner.publish(messages, to: broker) { reported.append($0) }
        #expect(reported == [1_000, 2_000, 2_500])
        var stored: [BrokerMessage] = []
        var after: UInt64 = 0
        while let last = try broker.messages(topic: self.topic, after: after).last {
            stored += try broker.messages(topic: self.topic, after: after)
            after = last.id.entryId
        }
        #expect(stored.map(\.payload) == messages.map(\.payload))
        #expect(stored.map(\.publishTime) == messages.map(\.publishTime))
        await broker.close()
    }
}
