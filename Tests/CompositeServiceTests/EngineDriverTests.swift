import CompositeBroker
import CompositeCore
import Synchronization
import Testing

@testable import CompositeService

/// The driver during a patient-directory outage: one lookup finds out, the others wait without a query of their own,
/// and each retry probes with one lookup before trying the rest.
struct EngineDriverTests {
    /// A directory that fails while `down`, and counts its queries.
    final class SwitchableDirectory: PatientDirectory {
        struct Failure: Error {}
        let state = Mutex((down: true, queries: 0))
        let records: JSONLinesPatientDirectory

        init(patientFile: String) throws {
            self.records = try JSONLinesPatientDirectory(contents: patientFile, fileName: "patients.jsonl")
        }

        func lookUp(tenant: String, patientId: String) async throws -> PatientRecord? {
            let down = self.state.withLock { state in
                state.queries += 1
                return state.down
            }
            if down { throw Failure() }
            return try await self.records.lookUp(tenant: tenant, patientId: patientId)
        }

        var queries: Int { self.state.withLock { $0.queries } }
        func comeBack() { self.state.withLock { $0.down = false } }
    }

    @Test func anOutageCostsOneQueryPerRetryNotOnePerWaitingComposite() async throws {
        let (messages, patientFile) = GeneratedStream.make(patients: 12, seed: 5)
        let broker = InMemoryBroker()
        var topics: Set<String> = []
        for message in messages {
            broker.load(OutgoingMessage(payload: message.payload), to: message.topic, publishTime: message.publishTime)
            topics.insert(message.topic)
        }
        let consumer = try await broker.subscribe(topics: topics.sorted(), subscription: "composite-service")
        let directory = try SwitchableDirectory(patientFile: patientFile)
        let driver = EngineDriver(
            engine: CompositeEngine(catalog: try ReplayComparison.catalog(ReplayComparison.composites)),
            broker: broker,
            consumer: consumer,
            patients: directory
        )
        while let message = try await consumer.receive(timeout: .zero) { try await driver.process(message) }
        let waiting = await driver.waitingForPatientDirectory
        #expect(waiting > 3, "the stream must hold several composites that need an age")
        #expect(directory.queries == 1, "only the first lookup queried the directory that is down")
        #expect(await driver.isBlocked)

        #expect(try await driver.retryFailedLookups() == waiting)
        #expect(directory.queries == 2, "a retry during the outage probes with one lookup")

        directory.comeBack()
        #expect(try await driver.retryFailedLookups() == 0)
        #expect(directory.queries == 2 + waiting)
        #expect(await !driver.isBlocked)
        #expect(await driver.statistics.pendingComposites == 0)
    }

    /// A broker that refuses messages larger than `limit` bytes (payload and properties), as Pulsar and Kafka do.
    struct SizeLimitedBroker: MessageBroker {
        let inner = InMemoryBroker()
        let limit: Int

        func publish(_ message: OutgoingMessage, to topic: String) async throws -> MessageID {
            let size =
                message.payload.count + message.properties.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
            guard size <= self.limit else {
                throw BrokerError(.messageTooLarge, topic: topic, reason: "\(size) bytes is over \(self.limit)")
            }
            return try await self.inner.publish(message, to: topic)
        }

        func subscribe(topics: [String], subscription: String) async throws -> any BrokerConsumer {
            try await self.inner.subscribe(topics: topics, subscription: subscription)
        }

        func close() async { await self.inner.close() }
    }

    /// Issue 13, defect 8: a message the broker took may not fit again beside its dead-letter reason. The dead letter
    /// keeps its reason and a prefix of its payload, says how long the payload was, and the message is acknowledged:
    /// the service does not stop on it.
    @Test func aDeadLetterTooLargeForTheBrokerIsPublishedTruncatedAndAcknowledged() async throws {
        let broker = SizeLimitedBroker(limit: 200_000)
        let topic = "persistent://krane-staging/tasks/orikami-events"
        // Just under the limit as it was published, over it with the reason and source attached.
        let payload = Array("{not json ".utf8) + Array(repeating: UInt8(ascii: "x"), count: 199_980)
        _ = broker.inner.load(
            OutgoingMessage(payload: payload),
            to: topic,
            publishTime: Timestamp(millisecondsSinceEpoch: 0)
        )
        let consumer = try await broker.subscribe(topics: [topic], subscription: "composite-service")
        let driver = EngineDriver(
            engine: CompositeEngine(catalog: try ReplayComparison.catalog(ReplayComparison.composites)),
            broker: broker,
            consumer: consumer,
            patients: EmptyPatientDirectory()
        )
        let message = try #require(try await consumer.receive(timeout: .zero))
        try await driver.process(message)
        let deadLetter = try #require(broker.inner.publishedMessages.first { $0.topic.hasSuffix("-DLQ") })
        #expect(deadLetter.payload == Array(payload.prefix(EngineDriver.truncatedDeadLetterBytes)))
        #expect(deadLetter.properties["payloadTruncatedFrom"] == "\(payload.count) bytes")
        #expect(deadLetter.properties["reason"]?.hasPrefix("not JSON") == true)
        #expect(broker.inner.unacknowledged(topic: topic, subscription: "composite-service").isEmpty)
    }

    /// A broker that records each batch it is asked to store, and how many input messages were still
    /// unacknowledged at that moment.
    final class RecordingBroker: MessageBroker {
        let inner = InMemoryBroker()
        let inputTopics: [String]
        let calls = Mutex<[(topics: [String], unacknowledgedInputs: Int)]>([])

        init(inputTopics: [String]) {
            self.inputTopics = inputTopics
        }

        func publish(_ message: OutgoingMessage, to topic: String) async throws -> MessageID {
            try await self.publish([(message, topic)])[0]
        }

        func publish(_ messages: [(message: OutgoingMessage, topic: String)]) async throws -> [MessageID] {
            let unacknowledged = self.inputTopics.reduce(0) {
                $0 + self.inner.unacknowledged(topic: $1, subscription: "composite-service").count
            }
            self.calls.withLock { $0.append((messages.map(\.topic), unacknowledged)) }
            var ids: [MessageID] = []
            for entry in messages { ids.append(try await self.inner.publish(entry.message, to: entry.topic)) }
            return ids
        }

        func subscribe(topics: [String], subscription: String) async throws -> any BrokerConsumer {
            try await self.inner.subscribe(topics: topics, subscription: subscription)
        }

        func close() async { await self.inner.close() }
    }

    /// Group commit: a batch's results go to the broker in one call, their decision proofs in the next, and the
    /// composites' messages are acknowledged only after that; the results are those of one message at a time.
    @Test func aBatchPublishesItsResultsTogetherAndAcknowledgesAfterTheirProofs() async throws {
        let (messages, patientFile) = GeneratedStream.make(patients: 12, seed: 5)
        let patients = try JSONLinesPatientDirectory(contents: patientFile, fileName: "patients.jsonl")
        let catalog = try ReplayComparison.catalog(ReplayComparison.composites)
        let topics = Set(messages.map(\.topic)).sorted()
        func run(batched: Bool) async throws -> (results: Set<[UInt8]>, broker: RecordingBroker) {
            let broker = RecordingBroker(inputTopics: topics)
            for message in messages {
                broker.inner.load(
                    OutgoingMessage(payload: message.payload),
                    to: message.topic,
                    publishTime: message.publishTime
                )
            }
            let consumer = try await broker.subscribe(topics: topics, subscription: "composite-service")
            let driver = EngineDriver(
                engine: CompositeEngine(catalog: catalog),
                broker: broker,
                consumer: consumer,
                patients: patients
            )
            var received: [BrokerMessage] = []
            while let message = try await consumer.receive(timeout: .zero) { received.append(message) }
            if batched {
                try await driver.process(received)
            } else {
                for message in received { try await driver.process(message) }
            }
            let results = broker.inner.publishedMessages.filter { !$0.topic.hasSuffix("-state") }.map(\.payload)
            return (Set(results), broker)
        }
        let single = try await run(batched: false)
        let (results, broker) = try await run(batched: true)
        #expect(results == single.results)
        #expect(results.count > 3, "the stream must decide several composites")
        let calls = broker.calls.withLock { $0 }
        // Rounds: results that need no patient (expiries) and dead letters; results after their lookups and the
        // first proofs; the last proofs. One call each, however many composites the batch decides.
        #expect(calls.count <= 3, "\(calls.count) calls to the broker for one batch")
        #expect(single.broker.calls.withLock { $0.count } > 2 * calls.count, "one message at a time, calls add up")
        let proofs = try #require(calls.firstIndex { $0.topics.contains { $0.hasSuffix("-state") } })
        // When the proofs were stored, the decided composites' messages were all still unacknowledged.
        #expect(calls[proofs].unacknowledgedInputs >= 4 * results.count)
        func unacknowledged(_ broker: RecordingBroker) -> [MessageRef] {
            topics.flatMap { broker.inner.unacknowledged(topic: $0, subscription: "composite-service") }
                .filter { !$0.payload.starts(with: Array(#"{"name":"CompositeScoreGenerated""#.utf8)) }
                .map { MessageRef(topic: $0.topic, id: $0.id) }
        }
        #expect(unacknowledged(broker) == unacknowledged(single.broker), "the same messages stay held")
    }

    /// A directory that refuses every lookup for its input.
    struct RefusingDirectory: PatientDirectory {
        func lookUp(tenant: String, patientId: String) async throws -> PatientRecord? {
            throw PatientLookupRefused(reason: "SQLSTATE 22021: invalid byte sequence")
        }
    }

    /// Issue 13, defect 3: a lookup refused for its input gives that composite an error result naming the cause; it
    /// is not an outage, so nothing waits and the service is not blocked.
    @Test func aRefusedLookupGivesAnErrorResultAndBlocksNothing() async throws {
        let (messages, _) = GeneratedStream.make(patients: 6, seed: 8)
        let broker = InMemoryBroker()
        var topics: Set<String> = []
        for message in messages {
            _ = broker.load(
                OutgoingMessage(payload: message.payload),
                to: message.topic,
                publishTime: message.publishTime
            )
            topics.insert(message.topic)
        }
        let consumer = try await broker.subscribe(topics: topics.sorted(), subscription: "composite-service")
        let driver = EngineDriver(
            engine: CompositeEngine(catalog: try ReplayComparison.catalog(ReplayComparison.composites)),
            broker: broker,
            consumer: consumer,
            patients: RefusingDirectory()
        )
        while let message = try await consumer.receive(timeout: .zero) { try await driver.process(message) }
        #expect(await !driver.isBlocked)
        #expect(await driver.waitingForPatientDirectory == 0)
        let errors = broker.publishedMessages.compactMap { try? JSONParser.parse($0.payload) }
            .compactMap { $0["data"]?["error"]?.stringValue }
        let refusals = errors.filter {
            $0.hasPrefix("The age of the patient is unknown: the patient directory refused")
        }
        #expect(!refusals.isEmpty)
        #expect(refusals.allSatisfy { $0.hasSuffix(": SQLSTATE 22021: invalid byte sequence.") })
        #expect(await driver.statistics.pendingComposites == 0)
    }
}
