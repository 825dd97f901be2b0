import BrokerTestSupport
import CompositeBroker
import CompositeCore
import CompositeEmbeddedBroker
import CompositeKafka
import CompositePulsar
import CompositeService
import Foundation
import Testing

extension ProcessTests {
    /// Semantics guarantee 6 on the real binary and the embedded broker: however many composites are held, the holes
    /// on an input subscription stay under `MAX_HELD_PER_TOPIC`, because long-held messages are carried to the state
    /// topic; a SIGKILL then reads them back from there, and the results are those of a replay.
    @Suite(.timeLimit(.minutes(6)))
    struct CarryingServiceTests {
        let endToEnd = ServiceEndToEndTests()
        static let tenant = "orikami"
        static let tasks = "persistent://krane-staging/tasks/orikami-events"
        static let experiments = "persistent://krane-staging/experiments/orikami-events"
        static let state = "persistent://krane-staging/tasks/orikami-events-composite-service-state"

        /// `composites` IMWG composites, each with its three questionnaires and four unrelated tasks, published an
        /// hour ago (so that the carry age does not decide what is carried: the bound does); then, a minute ago,
        /// their completions and scores.
        static func stream(composites: Int) -> (held: [FixtureMessage], rest: [FixtureMessage], patients: String) {
            let start = Int64(Date().timeIntervalSince1970) - 3_600
            var held: [(Int64, String, String)] = []
            var rest: [(Int64, String, String)] = []
            var patients: [String] = []
            func event(_ name: String, _ data: String) -> String {
                #"{"name":"\#(name)","version":"v2","tenant":"orikami","data":{\#(data)}}"#
            }
            for index in 0..<composites {
                let patient = "patient-\(index)"
                patients.append(
                    #"{"tenant":"orikami","patientId":"\#(patient)","birthDate":"19\#(30 + index % 50)-05-17"}"#
                )
                let base = index * 10
                let at = start + Int64(index)
                func created(_ occurrence: Int, _ feature: String, _ type: String) -> String {
                    event(
                        "FutureTaskCreated",
                        #""experimentType":"\#(type)","featureId":"\#(feature)","patientId":"\#(patient)","projectId":null,"occurrenceId":\#(occurrence),"startAt":"2024-01-15T08:00:00.000Z""#
                    )
                }
                held.append((at, Self.tasks, created(base, "IMWGFrailty", "composite")))
                for (offset, feature) in ["Katz-ADL", "Lawton-IADL", "CCI"].enumerated() {
                    held.append((at, Self.tasks, created(base + offset + 1, feature, "questionnaire")))
                }
                for other in 0..<4 {
                    held.append((at, Self.tasks, event("TaskStarted", #""occurrenceId":\#(base + 5 + other)"#)))
                }
                for (offset, maximum) in [6, 8, 37].enumerated() {
                    let occurrence = base + offset + 1
                    let done = start + 3_000 + Int64(index)
                    rest.append(
                        (
                            done, Self.tasks,
                            event("TaskCompleted", #""occurrenceId":\#(occurrence),"resultId":"r\#(occurrence)""#)
                        )
                    )
                    rest.append(
                        (
                            done, Self.experiments,
                            event(
                                "QuestionnaireScoreGenerated",
                                #""resultId":"r\#(occurrence)","score":\#((index + offset) % (maximum + 1)),"interpretation":null"#
                            )
                        )
                    )
                }
            }
            func fixture(_ events: [(Int64, String, String)], line: Int) -> [FixtureMessage] {
                events.enumerated().map { index, event in
                    FixtureMessage(
                        topic: event.1,
                        publishTime: Timestamp(millisecondsSinceEpoch: event.0 * 1_000),
                        payload: Array(event.2.utf8),
                        key: nil,
                        file: "carrying",
                        line: line + index
                    )
                }
            }
            return (
                fixture(held, line: 1), fixture(rest, line: held.count + 1), patients.joined(separator: "\n") + "\n"
            )
        }

        static func publish(_ messages: [FixtureMessage], to broker: EmbeddedBroker) throws {
            _ = try broker.store(
                messages.map { (OutgoingMessage(payload: $0.payload, publishTime: $0.publishTime), $0.topic) }
            )
        }

        @Test func thousandsOfHeldMessagesLeaveHolesUnderTheBoundAndAKillLosesNone() async throws {
            let bound = 40
            let composites = 500
            let directory = try temporaryDirectory("carrying")
            let (held, rest, patientLines) = Self.stream(composites: composites)
            let patients = try ReplayComparison.writePatients(patientLines, into: directory)
            let expected = try await ReplayComparison.expected(held + rest, patients: patients)
            #expect(expected.count == composites)

            let data = directory.appendingPathComponent("data")
            let broker = try EmbeddedBrokerConfiguration(dataDirectory: data.path).open()
            try Self.publish(held, to: broker)
            let port = try TestTools.freePort()
            var environment = self.endToEnd.environment(data: data, patients: patients, port: port)
            environment["KRANE_TENANTS"] = Self.tenant
            environment["MAX_HELD_PER_TOPIC"] = String(bound)
            let log = directory.appendingPathComponent("service.log")
            let inspector = try EmbeddedBrokerInspector(broker: broker, subscription: "composite-service")
            var service = try ServiceProcess(environment: environment, log: log)

            // 2,000 messages held by 500 composites among 2,000 unrelated ones: all but the bound are carried.
            try await ServiceEndToEndTests.waitFor("every composite pending, its messages carried") {
                await ServiceEndToEndTests.metric(port, "composite_pending_composites") == Double(composites)
                    && (try? inspector.unacknowledged(topics: [Self.tasks]).count) ?? .max <= bound
            }
            #expect(try inspector.acknowledgementHoles(topic: Self.tasks) <= bound)
            #expect(
                await ServiceEndToEndTests.metric(port, "composite_acknowledgement_holes") ?? .infinity <= Double(bound)
            )
            let carried = await ServiceEndToEndTests.metric(port, "composite_held_messages", #"reason="carried""#) ?? 0
            #expect(carried >= Double(4 * composites - bound), "held messages stand on the state topic")
            #expect(await ServiceEndToEndTests.metric(port, "composite_messages_carried_total") ?? 0 >= carried)

            // A kill: the restarted service gets its held messages back from the state topic.
            service.kill()
            service = try ServiceProcess(environment: environment, log: log)
            try await ServiceEndToEndTests.waitFor("every composite pending again after the kill") {
                await ServiceEndToEndTests.metric(port, "composite_pending_composites") == Double(composites)
            }
            try Self.publish(rest, to: broker)
            try self.endToEnd.endInput(broker)
            try await TestTools.waitUntil("every composite decided", timeout: .seconds(240)) {
                ReplayComparison.distinct(try self.endToEnd.published(broker)).count >= composites
            }
            let published = try self.endToEnd.published(broker)
            #expect(
                ReplayComparison.distinct(published) == expected,
                "\(ReplayComparison.difference(ReplayComparison.distinct(published), expected))"
            )
            ReplayComparison.expectNoDifferingDuplicates(published)
            // Decided composites release their copies too: the state topic keeps only proofs and a checkpoint.
            try await TestTools.waitUntil("no carried copy left unacknowledged") {
                try inspector.unacknowledged(topics: [Self.state]).allSatisfy { message in
                    (try? JSONParser.parse(message.payload)).flatMap(CarriedMessage.init(json:)) == nil
                }
            }
            #expect(try inspector.acknowledgementHoles(topic: Self.tasks) <= bound)
            #expect(await service.terminate() == 0)
        }

        /// One message per input topic in 2100: every watermark moves past the stream.
        static var endOfInput: [FixtureMessage] {
            [Self.tasks, Self.experiments].map { topic in
                FixtureMessage(
                    topic: topic,
                    publishTime: Timestamp(millisecondsSinceEpoch: 4_102_444_800_000),
                    payload: GeneratedStream.endOfStream(tenant: Self.tenant),
                    key: nil,
                    file: "end",
                    line: 1
                )
            }
        }

        /// The same story on a network broker: held messages carried, the holes under the bound by the service's own
        /// count, a SIGKILL, and the results of a replay.
        func story(
            environment: [String: String],
            port: Int,
            directory: URL,
            publish: ([FixtureMessage]) async throws -> Void,
            records: (_ count: Int, _ service: ServiceProcess) async throws -> [ReplayRecord]
        ) async throws {
            let bound = 40
            let composites = 300
            let (held, rest, patientLines) = Self.stream(composites: composites)
            let patients = try ReplayComparison.writePatients(patientLines, into: directory)
            let expected = try await ReplayComparison.expected(held + rest, patients: patients)
            var environment = environment
            environment["PATIENT_DIRECTORY"] = patients.path
            environment["KRANE_TENANTS"] = Self.tenant
            environment["MAX_HELD_PER_TOPIC"] = String(bound)
            environment["HTTP_PORT"] = String(port)
            let log = directory.appendingPathComponent("service.log")
            try await publish(held)
            var service = try ServiceProcess(environment: environment, log: log)
            defer { service.kill() }
            try await ServiceEndToEndTests.waitFor("every composite pending, its messages carried; log \(log.path)") {
                let pending = await ServiceEndToEndTests.metric(port, "composite_pending_composites")
                let carried = await ServiceEndToEndTests.metric(port, "composite_held_messages", #"reason="carried""#)
                return pending == Double(composites) && (carried ?? 0) >= Double(4 * composites - bound)
            }
            let holes = await ServiceEndToEndTests.metric(port, "composite_acknowledgement_holes", "tasks")
            #expect(holes ?? .infinity <= Double(bound))
            service.kill()
            service = try ServiceProcess(environment: environment, log: log)
            try await ServiceEndToEndTests.waitFor("every composite pending again after the kill; log \(log.path)") {
                await ServiceEndToEndTests.metric(port, "composite_pending_composites") == Double(composites)
            }
            try await publish(rest + Self.endOfInput)
            let published = try await records(composites, service)
            #expect(
                ReplayComparison.distinct(published) == expected,
                "\(ReplayComparison.difference(ReplayComparison.distinct(published), expected))"
            )
            ReplayComparison.expectNoDifferingDuplicates(published)
            #expect(await service.terminate() == 0)
        }

        @Test func onPulsarTheHolesStayUnderTheBoundAndAKillLosesNothing() async throws {
            let server = try PulsarLiteServer()
            defer { server.stop() }
            try await server.start()
            let pulsar = PulsarServiceTests()
            let broker = try PulsarBroker(
                configuration: PulsarClientConfiguration(serviceURL: server.serviceURL),
                logger: PulsarServiceTests.logger
            )
            let directory = try temporaryDirectory("carrying-pulsar")
            try await self.story(
                environment: pulsar.environment(server, patients: directory),
                port: try TestTools.freePort(),
                directory: directory,
                publish: { try await pulsar.publish($0[...], to: broker) },
                records: { count, service in
                    try await pulsar.waitForResults(broker, server: server, count: count, service: service)
                }
            )
            #expect(try await pulsar.leftovers(broker).isEmpty, "every input message acknowledged at the end")
            await broker.close()
        }

        @Test func onKafkaTheHolesStayUnderTheBoundAndAKillLosesNothing() async throws {
            let kafka = KafkaServiceTests()
            let tansu = try kafka.startTansu()
            let broker = try KafkaTestCluster.broker(tansu.brokers)
            let directory = try temporaryDirectory("carrying-kafka")
            try await self.story(
                environment: kafka.environment(tansu, patients: directory),
                port: try TestTools.freePort(),
                directory: directory,
                publish: { try await ServiceRunner.publish($0, to: broker) },
                records: { count, service in try await kafka.waitForRecords(broker, count: count, services: [service]) }
            )
            await broker.close()
            withExtendedLifetime(tansu) {}
        }

        /// Kafka deletes messages past `retention.ms` whether or not they are held. With the smallest carry age (1 s,
        /// so that copies are carried again every second too), everything held is on the state topic within moments;
        /// then the input topics are deleted and created again while the service is down, as retention would empty
        /// them, and the restarted service still decides every composite as a replay does.
        @Test func onKafkaInputRetentionPastTheCarryAgeLosesNothing() async throws {
            let kafka = KafkaServiceTests()
            let tansu = try kafka.startTansu()
            let broker = try KafkaTestCluster.broker(tansu.brokers)
            let directory = try temporaryDirectory("carrying-retention")
            let composites = 100
            let (held, rest, patientLines) = Self.stream(composites: composites)
            let patients = try ReplayComparison.writePatients(patientLines, into: directory)
            let port = try TestTools.freePort()
            var environment = kafka.environment(tansu, patients: patients)
            environment["KRANE_TENANTS"] = Self.tenant
            environment["CARRY_AGE_SECONDS"] = "1"
            environment["HTTP_PORT"] = String(port)
            let log = directory.appendingPathComponent("service.log")
            try await ServiceRunner.publish(held, to: broker)
            var service = try ServiceProcess(environment: environment, log: log)
            defer { service.kill() }
            try await ServiceEndToEndTests.waitFor("every held message carried; log \(log.path)") {
                let pending = await ServiceEndToEndTests.metric(port, "composite_pending_composites")
                let holes = await ServiceEndToEndTests.metric(port, "composite_acknowledgement_holes")
                let carried = await ServiceEndToEndTests.metric(port, "composite_held_messages", #"reason="carried""#)
                return pending == Double(composites) && holes == 0 && carried == Double(4 * composites)
            }
            // Carried again while it waits: copies of copies.
            try await ServiceEndToEndTests.waitFor("copies carried again; log \(log.path)") {
                await ServiceEndToEndTests.metric(port, "composite_messages_carried_total") ?? 0
                    >= Double(3 * 4 * composites)
            }
            service.kill()
            // Retention empties the input topics: they are deleted and created again, and the tasks topic gets as
            // many unrelated messages as it had, so that offsets go on where they were (Kafka's retention moves the
            // log start; it never reuses offsets) and the group's committed offset still points into the log.
            let mapping = try KafkaTopicMapping()
            for topic in [Self.tasks, Self.experiments] {
                let name = try mapping.kafkaTopic(topic)
                try runToCompletion(
                    TansuServer.tools.appendingPathComponent("bin/tansu").path,
                    ["topic", "delete", "--broker", "tcp://\(tansu.brokers)", name]
                )
                try tansu.createTopic(name)
            }
            let filler = held.filter { $0.topic == Self.tasks }.enumerated().map { index, message in
                var unrelated = message
                unrelated.publishTime = rest[0].publishTime.adding(milliseconds: -60_000)
                unrelated.payload = Array(
                    #"{"name":"TaskStarted","version":"v2","tenant":"orikami","data":{"occurrenceId":\#(900_000 + index)}}"#
                        .utf8
                )
                return unrelated
            }
            try await ServiceRunner.publish(filler, to: broker)
            let expected = try await ReplayComparison.expected(held + filler + rest, patients: patients)
            service = try ServiceProcess(environment: environment, log: log)
            try await ServiceEndToEndTests.waitFor("every composite pending again from its copies; log \(log.path)") {
                await ServiceEndToEndTests.metric(port, "composite_pending_composites") == Double(composites)
            }
            try await ServiceRunner.publish(rest + Self.endOfInput, to: broker)
            let published = try await kafka.waitForRecords(broker, count: composites, services: [service])
            #expect(
                ReplayComparison.distinct(published) == expected,
                "\(ReplayComparison.difference(ReplayComparison.distinct(published), expected))"
            )
            #expect(await service.terminate() == 0)
            await broker.close()
            withExtendedLifetime(tansu) {}
        }
    }
}
