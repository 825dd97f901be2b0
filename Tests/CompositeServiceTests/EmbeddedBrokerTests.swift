import CompositeBroker
import CompositeCore
import CompositeEmbeddedBroker
import Foundation
import Testing

@Suite struct EmbeddedBrokerTests {
    let tasks = "persistent://krane/tasks/acme-events"
    let experiments = "persistent://krane/experiments/acme-events"

    func open(_ directory: URL) throws -> EmbeddedBroker {
        try EmbeddedBroker(path: directory.appendingPathComponent("broker.sqlite").path)
    }

    func drain(_ consumer: any BrokerConsumer) async throws -> [BrokerMessage] {
        var messages: [BrokerMessage] = []
        while let message = try await consumer.receive(timeout: .zero) { messages.append(message) }
        return messages
    }

    @Test func publishedMessagesAndAcknowledgementsSurviveReopeningTheDatabase() async throws {
        let directory = try temporaryDirectory("embedded")
        do {
            let broker = try self.open(directory)
            for index in 0..<4 {
                _ = try await broker.publish(
                    OutgoingMessage(payload: [UInt8(index)], key: "k\(index)", properties: ["reason": "r\(index)"]),
                    to: index % 2 == 0 ? self.tasks : self.experiments
                )
            }
            let consumer = try await broker.subscribe(topics: [self.tasks, self.experiments], subscription: "s")
            let first = try await self.drain(consumer)
            #expect(first.map(\.payload) == [[0], [1], [2], [3]], "topics interleave in publish order")
            #expect(first[1].key == "k1" && first[1].properties == ["reason": "r1"])
            try await consumer.acknowledge([
                MessageRef(topic: first[0].topic, id: first[0].id), MessageRef(topic: first[3].topic, id: first[3].id),
            ])
            await consumer.close()
        }
        // A new process opening the same file: the subscription gets exactly the unacknowledged messages back.
        let reopened = try self.open(directory)
        let consumer = try await reopened.subscribe(topics: [self.tasks, self.experiments], subscription: "s")
        #expect(try await self.drain(consumer).map(\.payload) == [[1], [2]])
        #expect(try reopened.unacknowledgedCount(topics: [self.tasks, self.experiments], subscription: "s") == 2)
        let fresh = try await reopened.subscribe(topics: [self.tasks], subscription: "another")
        #expect(try await self.drain(fresh).map(\.payload) == [[0], [2]])
    }

    @Test func aConsumerSeesMessagesPublishedByAnotherConnectionWhileItWaits() async throws {
        let directory = try temporaryDirectory("embedded")
        let reader = try self.open(directory)
        let writer = try self.open(directory)
        let consumer = try await reader.subscribe(topics: [self.tasks], subscription: "s")
        #expect(try await consumer.receive(timeout: .zero) == nil)
        // The timeout only guards against a receive that never wakes; the sleep is no verdict: if the publication
        // comes before the receive waits, the message is still received.
        async let received = consumer.receive(timeout: .seconds(60))
        try await Task.sleep(for: .milliseconds(100))
        _ = try await writer.publish(OutgoingMessage(payload: [42]), to: self.tasks)
        #expect(try await received?.payload == [42])
    }

    @Test func batchesKeepTheirPublishTimesAndOrder() throws {
        let directory = try temporaryDirectory("embedded")
        let broker = try self.open(directory)
        let time = Timestamp(iso8601: "2023-10-13T08:51:55.206Z")!
        let ids = try broker.store([
            (OutgoingMessage(payload: [1], publishTime: time), self.tasks),
            (OutgoingMessage(payload: [2], publishTime: time.adding(milliseconds: 1)), self.tasks),
        ])
        #expect(ids.map(\.entryId) == [1, 2])
        let stored = try broker.messages(topic: self.tasks)
        #expect(stored.map(\.publishTime) == [time, time.adding(milliseconds: 1)])
        #expect(try broker.messages(topic: self.tasks, after: 1).map(\.payload) == [[2]])
    }

    @Test func acknowledgingTwiceOrAfterAReopenIsHarmless() async throws {
        let directory = try temporaryDirectory("embedded")
        let broker = try self.open(directory)
        let id = try await broker.publish(OutgoingMessage(payload: [1]), to: self.tasks)
        let consumer = try await broker.subscribe(topics: [self.tasks], subscription: "s")
        let ref = MessageRef(topic: self.tasks, id: id)
        try await consumer.acknowledge([ref, ref])
        try await consumer.acknowledge([ref])
        // Buffered until the consumer reads its next batch or closes; late is safe, early never happens.
        #expect(try broker.unacknowledgedCount(topics: [self.tasks], subscription: "s") == 1)
        #expect(try await consumer.receive(timeout: .zero) == nil)
        #expect(try broker.unacknowledgedCount(topics: [self.tasks], subscription: "s") == 0)
        await consumer.close()
        await #expect(throws: BrokerError.self) { try await consumer.receive(timeout: .zero) }
    }

    @Test func anUnwritableLocationFailsWithTheBrokersError() {
        #expect(throws: BrokerError.self) { try EmbeddedBroker(path: "/proc/no/such/dir/broker.sqlite") }
    }
}
