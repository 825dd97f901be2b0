import BrokerTestSupport
import CompositeBroker
import CompositeCore
import CompositeEmbeddedBroker
import CompositeService
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension ProcessTests {
    /// The real binary against the embedded broker: crashes, graceful shutdown, operations endpoints.
    @Suite(.timeLimit(.minutes(5)))
    struct ServiceEndToEndTests {
        let composites = ReplayComparison.composites
        let subscription = "composite-service"

        func environment(data: URL, patients: URL, port: Int = 0) -> [String: String] {
            [
                "KRANE_TENANTS": GeneratedStream.tenants.joined(separator: ","), "DATA_DIR": data.path,
                "PATIENT_DIRECTORY": patients.path, "COMPOSITES_DIR": self.composites, "HTTP_PORT": String(port),
                // Never let the wall clock decide here: the stream ends with messages that move every watermark.
                "IDLE_SECONDS": "86400", "LOG_LEVEL": "warning",
            ]
        }

        var topics: [String] {
            GeneratedStream.tenants.flatMap { tenant in
                ["tasks", "experiments"].map { "persistent://\(GeneratedStream.brokerTenant)/\($0)/\(tenant)-events" }
            }
        }

        func expected(_ messages: [FixtureMessage], patients: URL) async throws -> Set<String> {
            try await ReplayComparison.expected(messages, patients: patients)
        }

        /// Everything the service published into the broker, as replay records.
        func published(_ broker: EmbeddedBroker) throws -> [ReplayRecord] {
            var records: [ReplayRecord] = []
            for topic in self.topics {
                for message in try broker.messages(topic: topic, limit: 1_000_000) {
                    guard let json = try? JSONParser.parse(message.payload),
                        json["name"] == .string("CompositeScoreGenerated")
                    else { continue }
                    records.append(.result(topic: topic, message: json))
                }
                let deadLetters = TenantTopic(topic)!.deadLetterTopic(subscription: self.subscription)
                for message in try broker.messages(topic: deadLetters, limit: 1_000_000) {
                    records.append(
                        .deadLetter(
                            topic: deadLetters,
                            reason: message.properties["reason"] ?? "",
                            raw: String(decoding: message.payload, as: UTF8.self)
                        )
                    )
                }
            }
            return records
        }

        /// Messages of the input topics not yet acknowledged, split into the service's own results kept as proofs of
        /// decisions taken before a crash (see `CompositeEngine+Settled`) and everything else.
        func unacknowledged(_ broker: EmbeddedBroker) throws -> (proofs: Int, others: Int) {
            var proofs = 0
            var others = 0
            let consumer = try EmbeddedBrokerInspector(broker: broker, subscription: self.subscription)
            for message in try consumer.unacknowledged(topics: self.topics) {
                let json = try? JSONParser.parse(message.payload)
                if json?["name"] == .string("CompositeScoreGenerated") { proofs += 1 } else { others += 1 }
            }
            return (proofs, others)
        }

        /// Waits until only proofs are unacknowledged and `count` distinct records were published.
        func waitUntilSettled(_ broker: EmbeddedBroker, records count: Int, service: ServiceProcess) async throws {
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: .seconds(240))
            while clock.now < deadline {
                let distinct = ReplayComparison.distinct(try self.published(broker)).count
                if try self.unacknowledged(broker).others == 0, distinct >= count { return }
                #expect(service.isRunning, "the service exited early; see \(service.log.path)")
                try await Task.sleep(for: .milliseconds(100))
            }
            let unacknowledged = try self.unacknowledged(broker)
            let distinct = ReplayComparison.distinct(try self.published(broker)).count
            Issue.record(
                "the service did not settle within 240 s: \(unacknowledged.others) messages unacknowledged (and \(unacknowledged.proofs) proofs), \(distinct) of \(count) records published, running: \(service.isRunning); log \(service.log.path)"
            )
        }

        /// The end of the input, as replay's end of input (+infinity watermarks): a far-future message on every topic.
        /// A restarted engine knows only the watermarks of what was redelivered (unrelated messages that had moved them
        /// were acknowledged at once); in production idle topics then advance with the wall clock, off in these tests.
        func endInput(_ broker: EmbeddedBroker) throws {
            // 2100: before the proofs' release (2200), so that proofs read after it still see their retention pass.
            let later = Timestamp(millisecondsSinceEpoch: 4_102_444_800_000)  // 2100-01-01
            _ = try broker.store(
                self.topics.map { topic in
                    (
                        OutgoingMessage(
                            payload: GeneratedStream.endOfStream(tenant: TenantTopic(topic)!.kraneTenant),
                            publishTime: later
                        ),
                        topic
                    )
                }
            )
        }

        /// Moves the tasks watermarks past the decided retention: the proofs are released, nothing stays unacknowledged.
        func releaseProofs(_ broker: EmbeddedBroker, service: ServiceProcess) async throws {
            let later = Timestamp(millisecondsSinceEpoch: 7_258_118_400_000)  // 2200-01-01
            _ = try broker.store(
                GeneratedStream.tenants.map { tenant in
                    (
                        OutgoingMessage(payload: GeneratedStream.endOfStream(tenant: tenant), publishTime: later),
                        "persistent://\(GeneratedStream.brokerTenant)/tasks/\(tenant)-events"
                    )
                }
            )
            try await TestTools.waitUntil("every message acknowledged once the proofs are released") {
                try broker.unacknowledgedCount(topics: self.topics, subscription: self.subscription) == 0
            }
        }

        func expectNoDifferingDuplicates(_ records: [ReplayRecord]) {
            ReplayComparison.expectNoDifferingDuplicates(records)
        }

        @Test func killedAtRandomPointsWhilePublishingItEndsWithTheResultsOfAnUninterruptedReplay() async throws {
            let directory = try temporaryDirectory("crash")
            let (messages, patientFile) = GeneratedStream.make(patients: 400, seed: 42)
            let patients = directory.appendingPathComponent("patients.jsonl")
            try patientFile.write(to: patients, atomically: true, encoding: .utf8)
            let expected = try await self.expected(messages, patients: patients)
            #expect(expected.count > 350, "the stream should produce results, errors and dead letters")

            let data = directory.appendingPathComponent("data")
            let broker = try EmbeddedBrokerConfiguration(dataDirectory: data.path).open()
            let log = directory.appendingPathComponent("service.log")
            var service = try ServiceProcess(environment: self.environment(data: data, patients: patients), log: log)
            var random = GeneratedStream.Random(state: 7)
            var kills = 0
            for start in stride(from: 0, to: messages.count, by: 60) {
                try await ServiceRunner.publish(Array(messages[start..<min(messages.count, start + 60)]), to: broker)
                try await Task.sleep(for: .milliseconds(Int64(random.next(60))))
                if random.next(6) == 0 {
                    service.kill()
                    kills += 1
                    service = try ServiceProcess(
                        environment: self.environment(data: data, patients: patients),
                        log: log
                    )
                }
            }
            // A few more crashes while it works through the rest.
            for _ in 0..<3 {
                try await Task.sleep(for: .milliseconds(Int64(50 + random.next(200))))
                service.kill()
                kills += 1
                service = try ServiceProcess(environment: self.environment(data: data, patients: patients), log: log)
            }
            try self.endInput(broker)
            try await self.waitUntilSettled(broker, records: expected.count, service: service)
            let published = try self.published(broker)
            #expect(kills >= 5)
            #expect(ReplayComparison.distinct(published) == expected)
            self.expectNoDifferingDuplicates(published)
            try await self.releaseProofs(broker, service: service)
            #expect(await service.terminate() == 0)
            #expect(ReplayComparison.distinct(try self.published(broker)) == expected)
        }

        /// SIGTERM stops the service after the message in hand instead of working through the backlog. That, not a
        /// wall-clock figure (which only measures how loaded the machine is), is what keeps the exit prompt.
        @Test func sigtermDuringABusyStreamStopsAfterTheMessageInHandExitsZeroAndLosesNothing() async throws {
            let directory = try temporaryDirectory("sigterm")
            let (messages, patientFile) = GeneratedStream.make(patients: 3_000, seed: 7)
            let patients = directory.appendingPathComponent("patients.jsonl")
            try patientFile.write(to: patients, atomically: true, encoding: .utf8)
            let expected = try await self.expected(messages, patients: patients)
            let data = directory.appendingPathComponent("data")
            let broker = try EmbeddedBrokerConfiguration(dataDirectory: data.path).open()
            try await ServiceRunner.publish(messages, to: broker)
            let log = directory.appendingPathComponent("service.log")
            let busy = try ServiceProcess(environment: self.environment(data: data, patients: patients), log: log)
            // Let it get going, then ask it to stop while it is still working through the backlog.
            try await TestTools.waitUntil("a quarter of the stream acknowledged") {
                try broker.unacknowledgedCount(topics: self.topics, subscription: self.subscription)
                    <= messages.count * 3 / 4
            }
            // Stopped, not drained: what was left when SIGTERM arrived is still there, less at most the messages
            // in hand and what a slow machine let it take before the signal (a fraction of a quarter of the stream).
            let remaining = try broker.unacknowledgedCount(topics: self.topics, subscription: self.subscription)
            #expect(remaining > 0, "the stream should still be busy when SIGTERM arrives")
            #expect(await busy.terminate() == 0)
            let left = try broker.unacknowledgedCount(topics: self.topics, subscription: self.subscription)
            #expect(
                left * 2 > remaining,
                "it worked through the backlog (\(remaining) then \(left) left) instead of stopping"
            )

            let again = try ServiceProcess(environment: self.environment(data: data, patients: patients), log: log)
            try self.endInput(broker)
            try await self.waitUntilSettled(broker, records: expected.count, service: again)
            try await self.releaseProofs(broker, service: again)
            #expect(await again.terminate() == 0)
            let published = try self.published(broker)
            #expect(ReplayComparison.distinct(published) == expected)
            self.expectNoDifferingDuplicates(published)
        }

        @Test func metricsMoveAndReadinessTurnsTrueWhileAFixtureIsPublished() async throws {
            let directory = try temporaryDirectory("metrics")
            let data = directory.appendingPathComponent("data")
            let port = 20_000 + Int.random(in: 0..<20_000)
            let patients = ServiceProcess.root.appendingPathComponent("fixtures/patients.jsonl")
            var environment = self.environment(data: data, patients: patients, port: port)
            environment["KRANE_TENANTS"] = "orikami"
            let service = try ServiceProcess(
                environment: environment,
                log: directory.appendingPathComponent("service.log")
            )
            defer { service.kill() }
            let base = "http://127.0.0.1:\(port)"
            try await Self.waitFor { (try? await Self.get(base + "/readyz"))?.status == 200 }
            #expect(try await Self.get(base + "/healthz").body == "ok\n")
            let before = try await Self.get(base + "/metrics").body
            #expect(!before.contains("composite_results_total"))

            let broker = try EmbeddedBrokerConfiguration(dataDirectory: data.path).open()
            let fixture = ServiceProcess.root.appendingPathComponent("fixtures/happy-path.jsonl").path
            try await ServiceRunner.publish(
                try FixtureReader.read(contents: try TextFile.read(fixture), fileName: fixture),
                to: broker
            )
            try await Self.waitFor {
                (try? await Self.get(base + "/metrics").body)?.contains(
                    #"composite_results_total{featureId="IMWGFrailty",outcome="success"} 1"#
                ) == true
            }
            let after = try await Self.get(base + "/metrics").body
            #expect(after.contains(#"composite_messages_consumed_total{tenant="orikami",topic="tasks"} 8"#))
            // Three scores, and the service's own result read back.
            #expect(after.contains(#"composite_messages_consumed_total{tenant="orikami",topic="experiments"} 4"#))
            #expect(after.contains("composite_scorers_loaded 1"))
            #expect(try await Self.get(base + "/pending").body == "[]\n")
        }

        static func get(_ url: String) async throws -> (status: Int, body: String) {
            let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
        }

        /// The sum of a metric's samples whose labels contain `labels`, from the service's `/metrics` on `port`;
        /// `nil` while the endpoint does not answer.
        static func metric(_ port: Int, _ name: String, _ labels: String = "") async -> Double? {
            guard let body = try? await Self.get("http://127.0.0.1:\(port)/metrics").body else { return nil }
            // An empty `labels` matches every sample (`contains("")` is false).
            return body.split(separator: "\n").filter { $0.hasPrefix(name) && (labels.isEmpty || $0.contains(labels)) }
                .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
        }

        static func waitFor(
            _ what: String = "the condition",
            _ condition: () async -> Bool
        ) async throws {
            try await TestTools.waitUntil(what, poll: .milliseconds(50)) { await condition() }
        }
    }
}
