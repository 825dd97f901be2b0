import BrokerTestSupport
import CompositeBroker
import CompositeCore
import CompositePulsar
import CompositeService
import Foundation
import Logging
import Testing

extension ProcessTests {
    /// The real binary with `BROKER=pulsar` against a real Pulsar-protocol broker (pulsar-lite) on loopback.
    ///
    /// The stream is published unbatched (as this service's producer publishes): pulsar-lite loses the rest of a
    /// partly acknowledged batch across restarts, which Apache Pulsar does not. pulsar-lite has no admin API, so the
    /// final check that nothing stays unacknowledged subscribes to the service's subscription after stopping it.
    @Suite(.timeLimit(.minutes(6)))
    struct PulsarServiceTests {
        let endToEnd = ServiceEndToEndTests()
        static let logger = Logger(label: "pulsar-service-test")

        func environment(_ server: PulsarLiteServer, patients: URL, port: Int = 0) -> [String: String] {
            var environment = self.endToEnd.environment(
                data: URL(fileURLWithPath: "/nonexistent"),
                patients: patients,
                port: port
            )
            environment["BROKER"] = "pulsar"
            environment["PULSAR_URL"] = server.serviceURL
            environment["DATA_DIR"] = nil
            return environment
        }

        /// Everything on the experiments and dead-letter topics, read from the start by a new subscription.
        func published(_ broker: PulsarBroker) async throws -> [ReplayRecord] {
            var topics = self.endToEnd.topics.filter { $0.contains("/experiments/") }
            topics += self.endToEnd.topics.map {
                TenantTopic($0)!.deadLetterTopic(subscription: self.endToEnd.subscription)
            }
            let consumer = try await broker.subscribe(topics: topics, subscription: "verify-\(UUID().uuidString)")
            defer { Task { await consumer.close() } }
            var records: [ReplayRecord] = []
            while let message = try await consumer.receive(timeout: .milliseconds(1500)) {
                if let record = ReplayComparison.record(
                    topic: message.topic,
                    payload: message.payload,
                    properties: message.properties
                ) {
                    records.append(record)
                }
            }
            return records
        }

        func distinct(_ records: [ReplayRecord]) -> Set<String> {
            ReplayComparison.distinct(records)
        }

        func waitForResults(_ broker: PulsarBroker, server: PulsarLiteServer, count: Int, service: ServiceProcess)
            async throws -> [ReplayRecord]
        {
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: .seconds(150))
            var records: [ReplayRecord] = []
            while clock.now < deadline {
                records = try await self.published(broker)
                if self.distinct(records).count >= count { return records }
                #expect(service.isRunning, "the service exited early; see \(service.log.path) and \(server.logPath)")
                try await Task.sleep(for: .milliseconds(500))
            }
            Issue.record(
                "only \(self.distinct(records).count) of \(count) records after 150 s; logs \(service.log.path), \(server.logPath)"
            )
            return records
        }

        /// A metric of the service on `port`, summed over the series whose labels contain `labels`.
        func metric(_ port: Int, _ name: String, _ labels: String = "") async -> Double? {
            await ServiceEndToEndTests.metric(port, name, labels)
        }

        /// With the service stopped, what its subscription still holds: everything before a marker published now on
        /// every input topic (each topic keeps order), so that a quiet moment is never mistaken for an empty backlog.
        func leftovers(_ broker: PulsarBroker) async throws -> [String] {
            let marker = UUID().uuidString
            for topic in self.endToEnd.topics {
                _ = try await broker.publish(
                    OutgoingMessage(
                        payload: GeneratedStream.endOfStream(tenant: TenantTopic(topic)!.kraneTenant),
                        properties: ["test-marker": marker],
                        publishTime: Timestamp(millisecondsSinceEpoch: 7_258_118_400_000)
                    ),
                    to: topic
                )
            }
            let consumer = try await broker.subscribe(
                topics: self.endToEnd.topics,
                subscription: self.endToEnd.subscription
            )
            var markers = 0
            var left: [String] = []
            try await TestTools.waitUntil("the markers on every input topic") {
                if let message = try await consumer.receive(timeout: .milliseconds(200)) {
                    if message.properties["test-marker"] == marker {
                        markers += 1
                        try await consumer.acknowledge([MessageRef(topic: message.topic, id: message.id)])
                    } else {
                        left.append(String(decoding: message.payload, as: UTF8.self))
                    }
                }
                return markers == self.endToEnd.topics.count
            }
            await consumer.close()
            return left
        }

        /// Publishes the stream from this process, as the platform's other services would.
        func publish(_ messages: ArraySlice<FixtureMessage>, to broker: PulsarBroker) async throws {
            try await ServiceRunner.publish(Array(messages), to: broker)
        }

        /// Issue 11's second story: the official client publishes while the service, with the smallest idle interval,
        /// lateness and claim window, is killed three times and the broker restarts once. The stream has no end
        /// marker: the idle advance decides the last composites, so it must wait until the consumer has everything the
        /// broker holds (`GET_LAST_MESSAGE_ID`), redeliveries included. The publish times are the official producer's
        /// own (the wall clock), so with the smallest windows a watermark moved to the wall clock while a message is
        /// still unread releases what it would have matched; the expected results are a replay of the topics as the
        /// broker stored them, with the same windows.
        @Test func killedWhileTheOfficialClientPublishesWithASmallIdleIntervalItLosesNothing() async throws {
            let server = try PulsarLiteServer()
            defer { server.stop() }
            try await server.start()
            let directory = try temporaryDirectory("pulsar-idle")
            let end = Timestamp(millisecondsSinceEpoch: 4_102_444_800_000)
            let (generated, patientFile) = GeneratedStream.make(patients: 150, seed: 21)
            let messages = generated.filter { $0.publishTime < end }
            let patients = try ReplayComparison.writePatients(patientFile, into: directory)
            let port = try TestTools.freePort()
            var environment = self.environment(server, patients: patients, port: port)
            environment["IDLE_SECONDS"] = "1"
            environment["LATENESS_SECONDS"] = "0"
            environment["CLAIM_WINDOW_SECONDS"] = "1"
            environment["LOG_LEVEL"] = "debug"
            let log = directory.appendingPathComponent("service.log")
            var service = try ServiceProcess(environment: environment, log: log)
            let chunks = stride(from: 0, to: messages.count, by: 300).map {
                messages[$0..<min(messages.count, $0 + 300)]
            }
            for (index, chunk) in chunks.enumerated() {
                for topic in self.endToEnd.topics {
                    let payloads = chunk.filter { $0.topic == topic }.map {
                        ["payload": String(decoding: $0.payload, as: UTF8.self)]
                    }
                    guard !payloads.isEmpty else { continue }
                    try OfficialPulsarClient.produce(
                        serviceURL: server.serviceURL,
                        topic: topic,
                        messages: payloads,
                        batching: false
                    )
                }
                if index % 2 == 1 && index < 6 {
                    service.kill()
                    service = try ServiceProcess(environment: environment, log: log)
                }
            }
            // pulsar-lite keeps the consumers of a connection that ended in a reset (a SIGKILLed client with unread
            // data in its socket: "Connection reset by peer" in its log and no "Closing connection"), and the stale one
            // stays the Failover subscription's primary: nothing more is dispatched to the restarted service until the
            // broker restarts. Apache Pulsar drops a consumer whenever its connection ends. So the broker restarts
            // here, while the service runs with its small idle interval; the subscription's acknowledgements are
            // persisted and the service reconnects. Until then the wedged topics are quiet but not caught up.
            server.stop()
            try await server.start()
            defer { service.kill() }

            // What the broker stored, with its publish times, read back in each topic's order and replayed.
            var configuration = PulsarClientConfiguration(serviceURL: server.serviceURL)
            configuration.operationTimeout = .seconds(20)
            let broker = try PulsarBroker(configuration: configuration, logger: Self.logger)
            let reader = try await broker.subscribe(
                topics: self.endToEnd.topics,
                subscription: "stored-\(UUID().uuidString)"
            )
            var stored: [FixtureMessage] = []
            var seen: Set<MessageRef> = []
            try await TestTools.waitUntil("the stored stream read back") {
                while let message = try await reader.receive(timeout: .milliseconds(200)) {
                    // pulsar-lite redelivers what a reader does not acknowledge: each stored message counts once.
                    guard seen.insert(MessageRef(topic: message.topic, id: message.id)).inserted else { continue }
                    // The service's own results share the experiments topics; they are not input.
                    if (try? JSONParser.parse(message.payload))?["name"] == .string("CompositeScoreGenerated") {
                        continue
                    }
                    stored.append(
                        FixtureMessage(
                            topic: message.topic,
                            publishTime: message.publishTime,
                            payload: message.payload,
                            key: nil,
                            file: "stored",
                            line: stored.count + 1
                        )
                    )
                }
                return stored.count >= messages.count
            }
            await reader.close()
            #expect(stored.count == messages.count)
            let windows = EngineConfiguration(lateness: 0, claimWindow: 1_000, subscription: self.endToEnd.subscription)
            let expected = try await ReplayComparison.expected(
                stored.sorted { $0.publishTime < $1.publishTime },
                patients: patients,
                engine: windows
            )
            #expect(expected.count > 120)

            let published = try await self.waitForResults(
                broker,
                server: server,
                count: expected.count,
                service: service
            )
            #expect(
                self.distinct(published) == expected,
                "\(ReplayComparison.difference(self.distinct(published), expected)); logs \(log.path), \(server.logPath)"
            )
            ReplayComparison.expectNoDifferingDuplicates(published)
            await broker.close()
        }

        /// Issue 12's story on Pulsar, as far as pulsar-lite allows: it has no admin API to make it forget an
        /// acknowledgement, so the October `FutureTaskCreated` comes back as a re-publication under a new id (the
        /// forgotten-acknowledgement case runs on the embedded broker and in the replay property suite).
        @Test func aRepublishedOctoberCompositeNeverTakesJanuarysQuestionnaires() async throws {
            let server = try PulsarLiteServer()
            defer { server.stop() }
            try await server.start()
            let directory = try temporaryDirectory("pulsar-october")
            let patients = directory.appendingPathComponent("patients.jsonl")
            try #"{"tenant":"orikami","patientId":"patient-1","birthDate":"1941-03-02"}"#.appending("\n")
                .write(to: patients, atomically: true, encoding: .utf8)
            let october = DurableHoldingServiceTests.cycle(base: 100, at: 1_696_150_800, scores: [1, 2, 3])
            let january = DurableHoldingServiceTests.cycle(base: 200, at: 1_704_099_600, scores: [6, 8, 30])
            let expected = try await ReplayComparison.expected(october + january, patients: patients)
            #expect(expected.count == 2)
            var configuration = PulsarClientConfiguration(serviceURL: server.serviceURL)
            configuration.operationTimeout = .seconds(20)
            let broker = try PulsarBroker(configuration: configuration, logger: Self.logger)
            let port = try TestTools.freePort()
            let environment = self.environment(server, patients: patients, port: port)
            let log = directory.appendingPathComponent("service.log")

            try await self.publish(october[...], to: broker)
            var service = try ServiceProcess(environment: environment, log: log)
            try await TestTools.waitUntil("October decided and its proof held; log \(log.path)") {
                await self.metric(port, "composite_held_messages", #"reason="proof""#) == 1
            }
            #expect(await service.terminate() == 0)

            var republished = october[0]
            republished.publishTime = Timestamp(millisecondsSinceEpoch: 1_704_000_000_000)
            try await self.publish(([republished] + january)[...], to: broker)
            service = try ServiceProcess(environment: environment, log: log)
            let published = try await self.waitForResults(broker, server: server, count: 2, service: service)
            try await TestTools.waitUntil("January decided; October's proof read back; log \(log.path)") {
                await self.metric(port, "composite_held_messages", #"reason="proof""#) == 2
            }
            #expect(await service.terminate() == 0)
            #expect(self.distinct(published) == expected)
            #expect(try await self.published(broker).count == 2, "one result per composite, none for October again")
            await broker.close()
        }

        @Test func killedAtRandomPointsItEndsWithTheResultsOfAnUninterruptedReplay() async throws {
            let server = try PulsarLiteServer()
            defer { server.stop() }
            try await server.start()
            let directory = try temporaryDirectory("pulsar-crash")
            let (messages, patientFile) = GeneratedStream.make(patients: 150, seed: 11)
            let patients = try ReplayComparison.writePatients(patientFile, into: directory)
            let expected = try await ReplayComparison.expected(messages, patients: patients)
            #expect(expected.count > 120)

            var configuration = PulsarClientConfiguration(serviceURL: server.serviceURL)
            configuration.operationTimeout = .seconds(20)
            let broker = try PulsarBroker(configuration: configuration, logger: Self.logger)
            let log = directory.appendingPathComponent("service.log")
            // One metrics port for every incarnation: a killed process frees it for the next.
            let port = try TestTools.freePort()
            var service = try ServiceProcess(
                environment: self.environment(server, patients: patients, port: port),
                log: log
            )
            var random = GeneratedStream.Random(state: 5)
            var kills = 0
            for start in stride(from: 0, to: messages.count, by: 60) {
                try await self.publish(messages[start..<min(messages.count, start + 60)], to: broker)
                try await Task.sleep(for: .milliseconds(Int64(random.next(80))))
                if random.next(5) == 0 {
                    service.kill()
                    kills += 1
                    service = try ServiceProcess(
                        environment: self.environment(server, patients: patients, port: port),
                        log: log
                    )
                }
            }
            for _ in 0..<2 {
                try await Task.sleep(for: .milliseconds(Int64(100 + random.next(300))))
                service.kill()
                kills += 1
                service = try ServiceProcess(
                    environment: self.environment(server, patients: patients, port: port),
                    log: log
                )
            }
            // pulsar-lite keeps the consumers of a connection that ended in a reset (a SIGKILLed client with unread
            // data in its socket: "Connection reset by peer" in its log and no "Closing connection"), and the stale one
            // stays the Failover subscription's primary: nothing more is dispatched to the restarted service until the
            // broker restarts. Apache Pulsar drops a consumer whenever its connection ends. So the broker restarts
            // here, as brokers do; the subscription's acknowledgements are persisted and the service reconnects.
            server.stop()
            try await server.start()
            // The end of the input, as replay's end of input (+infinity watermarks): a far-future message on every
            // topic. It is needed because a restarted engine knows only the watermarks of what was redelivered:
            // unrelated messages that had moved them were acknowledged at once (contract semantics.md) and do not come
            // back. In production idle topics then advance with the wall clock (IDLE_SECONDS), which this test turns
            // off to stay deterministic.
            for topic in self.endToEnd.topics {
                let tenant = TenantTopic(topic)!.kraneTenant
                _ = try await broker.publish(
                    OutgoingMessage(
                        payload: GeneratedStream.endOfStream(tenant: tenant),
                        publishTime: Timestamp(millisecondsSinceEpoch: 4_102_444_800_000)  // 2100-01-01
                    ),
                    to: topic
                )
            }
            let published = try await self.waitForResults(
                broker,
                server: server,
                count: expected.count,
                service: service
            )
            #expect(kills >= 4)
            #expect(self.distinct(published) == expected)
            ReplayComparison.expectNoDifferingDuplicates(published)

            // Move the tasks watermarks a retention past everything, proofs read after the end of input included:
            // the proofs are released and, stopped, the service's subscription has nothing left to deliver.
            let consumed = #"topic="tasks""#
            try await TestTools.waitUntil("the metrics endpoint") {
                await self.metric(port, "composite_messages") != nil
            }
            let before = await self.metric(port, "composite_messages_consumed_total", consumed) ?? 0
            for tenant in GeneratedStream.tenants {
                _ = try await broker.publish(
                    OutgoingMessage(
                        payload: GeneratedStream.endOfStream(tenant: tenant),
                        publishTime: Timestamp(millisecondsSinceEpoch: 7_258_118_400_000)  // 2200-01-01
                    ),
                    to: "persistent://\(GeneratedStream.brokerTenant)/tasks/\(tenant)-events"
                )
            }
            // Instead of a fixed pause: the service has read those messages and holds nothing.
            try await TestTools.waitUntil("the release read and nothing held; log \(service.log.path)") {
                let read = await self.metric(port, "composite_messages_consumed_total", consumed) ?? 0
                // Every unacknowledged message but the tenants' latest watermark checkpoints.
                let unacknowledged = await self.metric(port, "composite_unacknowledged_messages") ?? -1
                let checkpoints = await self.metric(port, "composite_held_messages", #"reason="checkpoint""#) ?? 0
                return read >= before + Double(GeneratedStream.tenants.count) && unacknowledged - checkpoints == 0
            }
            #expect(await service.terminate() == 0)
            #expect(try await self.leftovers(broker) == [], "nothing stays unacknowledged once the proofs are released")
            var after: [ReplayRecord] = []
            try await TestTools.waitUntil("every record read back") {
                after = try await self.published(broker)
                return self.distinct(after).count >= expected.count
            }
            #expect(self.distinct(after) == expected)
            await broker.close()
        }
    }
}
