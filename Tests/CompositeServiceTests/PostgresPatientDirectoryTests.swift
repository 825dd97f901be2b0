import CompositeCore
import CompositeEmbeddedBroker
import CompositeService
import Foundation
import Logging
import ServiceLifecycle
import Testing

extension ProcessTests {
    /// The OMOP patient directory against a real PostgreSQL server.
    @Suite(.timeLimit(.minutes(3)))
    struct PostgresPatientDirectoryTests {
        static let omopTable = """
            CREATE TABLE person (person_id integer PRIMARY KEY, person_source_value text, year_of_birth integer,
            month_of_birth integer, day_of_birth integer, birth_datetime timestamp);
            INSERT INTO person VALUES (1, 'full', 1941, 3, 2, NULL), (2, 'datetime', 1950, NULL, NULL, '1950-06-15 10:00:00'),
            (3, 'year-only', 1948, NULL, NULL, NULL), (4, 'month-only', 1948, 2, NULL, NULL), (5, 'no-birth', NULL, NULL, NULL, NULL);
            """

        /// Runs `body` with a directory whose pool runs in the background.
        func withDirectory(
            _ server: PostgresServer,
            query: String? = nil,
            cacheSeconds: Int64 = 0,
            _ body: (PostgresPatientDirectory) async throws -> Void
        ) async throws {
            var configuration = PostgresPatientDirectory.Configuration(
                url: try PostgresURL(server.url, key: "PATIENT_DIRECTORY")
            )
            if let query { configuration.query = query }
            configuration.cacheExpiry = .seconds(cacheSeconds)
            configuration.queryTimeout = .seconds(2)
            let directory = try PostgresPatientDirectory(configuration: configuration, logger: Logger(label: "test"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await directory.run() }
                defer { group.cancelAll() }
                try await body(directory)
            }
        }

        /// Issue 13, defect 3: PostgreSQL refuses a patient id with a NUL byte (SQLSTATE 22021) on every try. That is
        /// this lookup's answer, not an outage: it is refused, with the SQLSTATE and the server's message, and the
        /// directory goes on answering the others.
        @Test func aLookupTheServerRefusesForItsInputIsRefusedNotAnOutage() async throws {
            let server = try PostgresServer()
            try server.execute(Self.omopTable)
            try await self.withDirectory(server) { (directory: PostgresPatientDirectory) async throws in
                await #expect {
                    try await directory.lookUp(tenant: "t", patientId: "full\u{0}x")
                } throws: { error in
                    let reason = (error as? PatientLookupRefused)?.reason ?? ""
                    return reason.hasPrefix("SQLSTATE 22021: ") && !reason.contains(server.url)
                }
                #expect(try await directory.lookUp(tenant: "t", patientId: "full")?.birthDate != nil)
            }
        }

        @Test func theOMOPDefaultQueryReadsBirthDatesAtTheirPrecision() async throws {
            let server = try PostgresServer()
            try server.execute(Self.omopTable)
            try await self.withDirectory(server) { (directory: PostgresPatientDirectory) async throws in
                #expect(
                    try await directory.lookUp(tenant: "t", patientId: "full")
                        == PatientRecord(birthDate: CivilDate(year: 1941, month: 3, day: 2))
                )
                #expect(
                    try await directory.lookUp(tenant: "t", patientId: "datetime")
                        == PatientRecord(birthDate: CivilDate(year: 1950, month: 6, day: 15))
                )
                // Only a year: the latest date it allows, so the age is never overstated.
                #expect(
                    try await directory.lookUp(tenant: "t", patientId: "year-only")
                        == PatientRecord(
                            birthDate: CivilDate(year: 1948, month: 12, day: 31),
                            birthDatePrecision: .year
                        )
                )
                #expect(
                    try await directory.lookUp(tenant: "t", patientId: "month-only")
                        == PatientRecord(
                            birthDate: CivilDate(year: 1948, month: 2, day: 29),
                            birthDatePrecision: .month
                        )
                )
                #expect(try await directory.lookUp(tenant: "t", patientId: "no-birth") == PatientRecord(birthDate: nil))
                #expect(try await directory.lookUp(tenant: "t", patientId: "absent") == nil)
            }
        }

        @Test func aCustomQueryMayUseTheTenant() async throws {
            let server = try PostgresServer()
            try server.execute(
                "CREATE TABLE patients (tenant text, id text, born date); INSERT INTO patients VALUES ('a', 'p', '1950-01-02'), ('b', 'p', '1960-03-04');"
            )
            let query =
                "SELECT EXTRACT(YEAR FROM born)::int, EXTRACT(MONTH FROM born)::int, EXTRACT(DAY FROM born)::int, NULL::timestamp FROM patients WHERE id = $1 AND tenant = $2"
            try await self.withDirectory(server, query: query) { (directory: PostgresPatientDirectory) async throws in
                #expect(
                    try await directory.lookUp(tenant: "b", patientId: "p")?.birthDate
                        == CivilDate(year: 1960, month: 3, day: 4)
                )
                #expect(try await directory.lookUp(tenant: "c", patientId: "p") == nil)
            }
        }

        @Test func patientIdsAreBoundAsParametersSoInjectionFindsNothingAndChangesNothing() async throws {
            let server = try PostgresServer()
            try server.execute(Self.omopTable)
            try await self.withDirectory(server) { (directory: PostgresPatientDirectory) async throws in
                for hostile in ["x' OR '1'='1", "'; DROP TABLE person; --", "full'--", "$1"] {
                    #expect(try await directory.lookUp(tenant: "t", patientId: hostile) == nil)
                }
                #expect(
                    try await directory.lookUp(tenant: "t", patientId: "full")?.birthDate
                        == CivilDate(year: 1941, month: 3, day: 2)
                )
            }
        }

        @Test func sessionsAreReadOnly() async throws {
            let server = try PostgresServer()
            try server.execute(Self.omopTable)
            let writing =
                "DELETE FROM person WHERE person_source_value = $1 RETURNING year_of_birth, month_of_birth, day_of_birth, birth_datetime"
            try await self.withDirectory(server, query: writing) { (directory: PostgresPatientDirectory) async throws in
                await #expect(throws: (any Error).self) { try await directory.lookUp(tenant: "t", patientId: "full") }
            }
            try await self.withDirectory(server) { (directory: PostgresPatientDirectory) async throws in
                #expect(try await directory.lookUp(tenant: "t", patientId: "full") != nil, "the row is still there")
            }
        }

        @Test func anOutageThrowsAndTheSameDirectoryRecoversWhenTheServerIsBack() async throws {
            let server = try PostgresServer()
            try server.execute(Self.omopTable)
            try await self.withDirectory(server) { (directory: PostgresPatientDirectory) async throws in
                #expect(try await directory.lookUp(tenant: "t", patientId: "full") != nil)
                try server.stop()
                await #expect(throws: (any Error).self) { try await directory.lookUp(tenant: "t", patientId: "full") }
                try server.start()
                let clock = ContinuousClock()
                let deadline = clock.now.advanced(by: .seconds(30))
                var record: PatientRecord??
                while record == nil, clock.now < deadline {
                    record = try? await directory.lookUp(tenant: "t", patientId: "full")
                    if record == nil { try await Task.sleep(for: .milliseconds(200)) }
                }
                #expect(record == .some(PatientRecord(birthDate: CivilDate(year: 1941, month: 3, day: 2))))
            }
        }

        @Test func answersAreCachedUntilTheyExpire() async throws {
            let server = try PostgresServer()
            try server.execute(Self.omopTable)
            try await self.withDirectory(server, cacheSeconds: 60) {
                (directory: PostgresPatientDirectory) async throws in
                #expect(try await directory.lookUp(tenant: "t", patientId: "full") != nil)
                try server.stop()
                #expect(try await directory.lookUp(tenant: "t", patientId: "full") != nil, "served from the cache")
            }
        }

        /// The lookup answers whether its own session is encrypted: year 1 when it is, 0 when not.
        static let sslQuery =
            "SELECT CASE WHEN ssl THEN 1 ELSE 0 END, 1, 1, NULL::timestamp FROM pg_stat_ssl WHERE pid = pg_backend_pid() AND $1 = $1"

        @Test func tlsIsUsedAsTheURLAsksAndCertificatesAreVerified() async throws {
            let server = try PostgresServer()
            let ca = try server.enableTLS()
            func directory(_ url: String, _ body: (PostgresPatientDirectory) async throws -> Void) async throws {
                var configuration = PostgresPatientDirectory.Configuration(
                    url: try PostgresURL(url, key: "PATIENT_DIRECTORY")
                )
                configuration.query = Self.sslQuery
                configuration.cacheExpiry = .zero
                configuration.queryTimeout = .seconds(3)
                let directory = try PostgresPatientDirectory(
                    configuration: configuration,
                    logger: Logger(label: "test")
                )
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await directory.run() }
                    defer { group.cancelAll() }
                    try await body(directory)
                }
            }
            let base = "postgres://postgres@localhost:\(server.port)/postgres"
            try await directory("\(base)?sslmode=verify-full&sslrootcert=\(ca)") {
                (directory: PostgresPatientDirectory) async throws in
                #expect(try await directory.lookUp(tenant: "t", patientId: "p")?.birthDate?.year == 1, "encrypted")
            }
            try await directory("\(base)?sslmode=disable") { (directory: PostgresPatientDirectory) async throws in
                #expect(try await directory.lookUp(tenant: "t", patientId: "p")?.birthDate?.year == 0, "not encrypted")
            }
            // A certificate the system's roots do not trust is refused: the lookup fails, it never answers.
            try await directory("\(base)?sslmode=verify-full") { (directory: PostgresPatientDirectory) async throws in
                await #expect(throws: (any Error).self) { try await directory.lookUp(tenant: "t", patientId: "p") }
            }
        }

        @Test func urlsAreValidatedAndTheirPasswordNeverShown() throws {
            let url = try PostgresURL(
                "postgres://reader:s3cret@db.example:6543/omop?sslmode=verify-full",
                key: "PATIENT_DIRECTORY"
            )
            #expect(url.host == "db.example" && url.port == 6543 && url.database == "omop" && url.tls == .verifyFull)
            #expect(url.password == "s3cret")
            #expect(!url.description.contains("s3cret"))
            #expect(
                throws: ServiceError(
                    .invalidConfiguration,
                    #"invalid configuration: PATIENT_DIRECTORY sslmode must be disable, prefer, require, verify-ca or verify-full, got "sometimes""#
                )
            ) {
                try PostgresURL("postgres://u:p@h/db?sslmode=sometimes", key: "PATIENT_DIRECTORY")
            }
            let configuration = try ServiceConfiguration.load(environment: [
                "KRANE_TENANTS": "a", "PATIENT_DIRECTORY": "postgres://u:topsecret@h/db",
            ])
            #expect(configuration.patientDatabase?.url.host == "h")
            #expect(!configuration.description.contains("topsecret"))
        }

        /// Issue 13, defect 12: percent-encoding is decoded once (`%25` is `%`), and the default `sslmode=prefer`,
        /// which may fall back to plain text, is warned about without showing the password.
        @Test func passwordsAreDecodedOnceAndPreferIsWarnedAbout() throws {
            let url = try PostgresURL("postgres://reader:ab%2541cd@h/db", key: "PATIENT_DIRECTORY")
            #expect(url.password == "ab%41cd")
            #expect(url.tls == .prefer)
            #expect(url.warnings.count == 1 && url.warnings[0].contains("plain text"))
            #expect(!url.warnings[0].contains("ab%"))
            let verified = try PostgresURL("postgres://reader:x@h/db?sslmode=verify-full", key: "PATIENT_DIRECTORY")
            #expect(verified.warnings.isEmpty)
        }
    }
}

extension ProcessTests {
    /// The service binary with ages from PostgreSQL, and the database stopped mid-stream.
    @Suite(.timeLimit(.minutes(3)))
    struct PostgresServiceTests {
        @Test func theServiceScoresWithAgesFromPostgresAndWaitsOutAnOutageWithoutErrorResults() async throws {
            let server = try PostgresServer()
            try server.execute(
                """
                CREATE TABLE person (person_id integer PRIMARY KEY, person_source_value text, year_of_birth integer,
                month_of_birth integer, day_of_birth integer, birth_datetime timestamp);
                INSERT INTO person VALUES (1, '6527a81258139c1e1494c4bc', 1941, 3, 2, NULL), (2, 'rb-patient-1', 1948, NULL, NULL, NULL);
                """
            )
            let directory = try temporaryDirectory("postgres-service")
            let data = directory.appendingPathComponent("data")
            let port = 20_000 + Int.random(in: 0..<20_000)
            let service = try ServiceProcess(
                environment: [
                    "KRANE_TENANTS": "orikami,radboud", "DATA_DIR": data.path, "HTTP_PORT": String(port),
                    "PATIENT_DIRECTORY": server.url, "PATIENT_QUERY_TIMEOUT_SECONDS": "1", "PATIENT_CACHE_SECONDS": "0",
                    "LOG_LEVEL": "warning",
                ],
                log: directory.appendingPathComponent("service.log")
            )
            defer { service.kill() }
            let broker = try EmbeddedBrokerConfiguration(dataDirectory: data.path).open()
            func results() throws -> [JSONValue] {
                try ["orikami", "radboud"].flatMap { tenant in
                    try broker.messages(topic: "persistent://krane-staging/experiments/\(tenant)-events")
                        .compactMap { try? JSONParser.parse($0.payload) }
                        .filter { $0["name"] == .string("CompositeScoreGenerated") }
                }
            }
            func publish(_ name: String) async throws {
                let file = ServiceProcess.root.appendingPathComponent("fixtures/\(name)").path
                try await ServiceRunner.publish(
                    try FixtureReader.read(contents: try TextFile.read(file), fileName: file),
                    to: broker
                )
            }

            // With the database up: the orikami patient, born 1941-03-02, is 82 on the composite's date.
            try await publish("happy-path.jsonl")
            try await ServiceEndToEndTests.waitFor { ((try? results()) ?? []).count == 1 }
            #expect(try results().first?["data"]?["attributes"]?["age"] == .number(.integer(82)))

            // Database down: the radboud composite is decided but cannot be scored, so it waits; no error result.
            try server.stop()
            let twoTenants = ServiceProcess.root.appendingPathComponent("fixtures/two-tenants.jsonl").path
            let radboud = try FixtureReader.read(contents: try TextFile.read(twoTenants), fileName: twoTenants)
                .filter { $0.topic.contains("radboud") }
            try await ServiceRunner.publish(radboud, to: broker)
            try await ServiceEndToEndTests.waitFor {
                (try? await ServiceEndToEndTests.get("http://127.0.0.1:\(port)/readyz"))?.body.contains(
                    "patient directory unavailable"
                ) == true
            }
            try await Task.sleep(for: .seconds(2))
            #expect(try results().count == 1, "no result, and above all no error result, while the database is down")
            #expect(try await ServiceEndToEndTests.get("http://127.0.0.1:\(port)/readyz").status == 503)

            // Back up: the result appears, with the year-only birth date recorded as such, and readiness returns.
            try server.start()
            try await ServiceEndToEndTests.waitFor { ((try? results()) ?? []).count == 2 }
            let scored = try #require(try results().first { $0["tenant"] == .string("radboud") })
            #expect(scored["data"]?["error"] == .null)
            // Born in 1948, taken as 1948-12-31: 74 on 2023-10-13, never older than the patient can be.
            #expect(scored["data"]?["attributes"]?["age"] == .number(.integer(74)))
            #expect(scored["data"]?["birthDatePrecision"] == .string("year"))
            try await ServiceEndToEndTests.waitFor {
                (try? await ServiceEndToEndTests.get("http://127.0.0.1:\(port)/readyz"))?.status == 200
            }
        }
    }
}
