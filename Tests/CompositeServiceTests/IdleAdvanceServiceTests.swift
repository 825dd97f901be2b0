import BrokerTestSupport
import CompositeBroker
import CompositeCore
import CompositeEmbeddedBroker
import CompositeService
import Foundation
import Testing

extension ProcessTests {
    /// "Idle means caught up, not quiet" (semantics, matching rule 4) on the real binary with the smallest idle
    /// interval: a service held back by its patient directory, with messages still unread, must not move a watermark
    /// to the wall clock. The streams have no end marker: only the idle advance can decide their last composites, so
    /// an undisturbed run and these runs must both end with every result of a replay and nothing held.
    @Suite(.timeLimit(.minutes(6)))
    struct IdleAdvanceServiceTests {
        /// A stream of `patients` composites without its far-future end marker, and its patient file.
        static func stream(patients: Int, seed: UInt64) -> (messages: [FixtureMessage], patientFile: String) {
            let (messages, patientFile) = GeneratedStream.make(patients: patients, seed: seed)
            let end = Timestamp(millisecondsSinceEpoch: 4_102_444_800_000)
            return (messages.filter { $0.publishTime < end }, patientFile)
        }

        /// A PostgreSQL server whose OMOP `person` table holds the generated patients.
        static func database(patientFile: String) throws -> PostgresServer {
            let server = try PostgresServer()
            var rows: [String] = []
            for (index, line) in patientFile.split(separator: "\n").enumerated() {
                let json = try JSONParser.parse(Array(line.utf8))
                guard let id = json["patientId"]?.stringValue, let birth = json["birthDate"]?.stringValue else {
                    continue
                }
                let parts = birth.split(separator: "-").compactMap { Int($0) }
                rows.append("(\(index + 1), '\(id)', \(parts[0]), \(parts[1]), \(parts[2]), NULL)")
            }
            try server.execute(
                """
                CREATE TABLE person (person_id integer PRIMARY KEY, person_source_value text, year_of_birth integer,
                month_of_birth integer, day_of_birth integer, birth_datetime timestamp);
                INSERT INTO person VALUES \(rows.joined(separator: ", "));
                """
            )
            return server
        }

        /// Runs the service over `messages` published beforehand, with ages from `server`, and waits until every
        /// expected record is out and only the service's own results stay unacknowledged.
        static func run(
            _ name: String,
            messages: [FixtureMessage],
            patientFile: String,
            server: PostgresServer,
            extraEnvironment: [String: String] = [:],
            whileRunning: (ServiceProcess, Int) async throws -> Void = { _, _ in }
        ) async throws {
            let directory = try temporaryDirectory(name)
            let patients = try ReplayComparison.writePatients(patientFile, into: directory)
            let expected = try await ReplayComparison.expected(messages, patients: patients)
            let data = directory.appendingPathComponent("data")
            let broker = try EmbeddedBrokerConfiguration(dataDirectory: data.path).open()
            try await ServiceRunner.publish(messages, to: broker)
            let port = try TestTools.freePort()
            let service = try ServiceProcess(
                environment: [
                    "KRANE_TENANTS": GeneratedStream.tenants.joined(separator: ","), "DATA_DIR": data.path,
                    "PATIENT_DIRECTORY": server.url, "PATIENT_CACHE_SECONDS": "0", "PATIENT_QUERY_TIMEOUT_SECONDS": "2",
                    "COMPOSITES_DIR": ReplayComparison.composites, "HTTP_PORT": String(port),
                    // The smallest valid interval: where a quiet-but-not-caught-up topic used to be advanced.
                    "IDLE_SECONDS": "1", "LOG_LEVEL": "warning",
                ].merging(extraEnvironment) { _, given in given },
                log: directory.appendingPathComponent("service.log")
            )
            defer { service.kill() }
            try await whileRunning(service, port)
            let endToEnd = ServiceEndToEndTests()
            try await TestTools.waitUntil("every expected record published and nothing but results held") {
                #expect(service.isRunning, "the service exited; see \(service.log.path)")
                let published = ReplayComparison.distinct(try endToEnd.published(broker))
                let held = try endToEnd.unacknowledged(broker).others
                return published.count >= expected.count && held == 0
            }
            let records = try endToEnd.published(broker)
            let published = ReplayComparison.distinct(records)
            #expect(
                published.subtracting(expected).isEmpty,
                "published but not expected: \(published.subtracting(expected))"
            )
            #expect(
                expected.subtracting(published).isEmpty,
                "expected but not published: \(expected.subtracting(published))"
            )
            endToEnd.expectNoDifferingDuplicates(records)
        }

        @Test func aPatientDatabaseDownAtStartLosesNothingAndReadinessSaysWhy() async throws {
            let (messages, patientFile) = Self.stream(patients: 150, seed: 11)
            let server = try Self.database(patientFile: patientFile)
            defer { try? server.stop() }
            try server.stop()
            try await Self.run("idle-outage", messages: messages, patientFile: patientFile, server: server) { _, port in
                // From the first failed lookup on, readiness names the cause.
                try await ServiceEndToEndTests.waitFor("readiness reports the patient directory") {
                    guard let answer = try? await ServiceEndToEndTests.get("http://127.0.0.1:\(port)/readyz") else {
                        return false
                    }
                    return answer.status == 503 && answer.body.contains("patient directory unavailable")
                }
                // The outage outlasts the idle interval several times over (the story of issue 11: 6 seconds).
                try await Task.sleep(for: .seconds(6))
                #expect(try await ServiceEndToEndTests.get("http://127.0.0.1:\(port)/readyz").status == 503)
                try server.start()
                try await ServiceEndToEndTests.waitFor("readiness returns once lookups work again") {
                    (try? await ServiceEndToEndTests.get("http://127.0.0.1:\(port)/readyz"))?.status == 200
                }
            }
        }

        @Test func aProcessorStalledLongerThanTheIdleIntervalByASlowDirectoryReleasesNothingEarly() async throws {
            let (messages, patientFile) = Self.stream(patients: 24, seed: 12)
            let server = try Self.database(patientFile: patientFile)
            defer { try? server.stop() }
            // Every lookup takes longer than the idle interval, while the broker still holds unread messages.
            let slow =
                "SELECT year_of_birth, month_of_birth, day_of_birth, birth_datetime FROM person, pg_sleep(1.3) WHERE person_source_value = $1 LIMIT 1"
            try await Self.run(
                "idle-slow",
                messages: messages,
                patientFile: patientFile,
                server: server,
                extraEnvironment: ["PATIENT_QUERY": slow, "PATIENT_QUERY_TIMEOUT_SECONDS": "30"]
            )
        }
    }
}
