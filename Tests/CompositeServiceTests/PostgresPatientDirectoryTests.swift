import CompositeCore
import CompositeService
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
            _ server: PostgresServer, query: String? = nil, cacheSeconds: Int64 = 0,
            _ body: (PostgresPatientDirectory) async throws -> Void
        ) async throws {
            var configuration = PostgresPatientDirectory.Configuration(url: try PostgresURL(server.url, key: "PATIENT_DIRECTORY"))
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

        @Test func theOMOPDefaultQueryReadsBirthDatesAtTheirPrecision() async throws {
            let server = try PostgresServer()
            try server.execute(Self.omopTable)
            try await self.withDirectory(server) { (directory: PostgresPatientDirectory) async throws in
                #expect(try await directory.lookUp(tenant: "t", patientId: "full") == PatientRecord(birthDate: CivilDate(year: 1941, month: 3, day: 2)))
                #expect(try await directory.lookUp(tenant: "t", patientId: "datetime") == PatientRecord(birthDate: CivilDate(year: 1950, month: 6, day: 15)))
                // Only a year: the latest date it allows, so the age is never overstated.
                #expect(try await directory.lookUp(tenant: "t", patientId: "year-only")
                    == PatientRecord(birthDate: CivilDate(year: 1948, month: 12, day: 31), birthDatePrecision: .year))
                #expect(try await directory.lookUp(tenant: "t", patientId: "month-only")
                    == PatientRecord(birthDate: CivilDate(year: 1948, month: 2, day: 29), birthDatePrecision: .month))
                #expect(try await directory.lookUp(tenant: "t", patientId: "no-birth") == PatientRecord(birthDate: nil))
                #expect(try await directory.lookUp(tenant: "t", patientId: "absent") == nil)
            }
        }

        @Test func aCustomQueryMayUseTheTenant() async throws {
            let server = try PostgresServer()
            try server.execute("CREATE TABLE patients (tenant text, id text, born date); INSERT INTO patients VALUES ('a', 'p', '1950-01-02'), ('b', 'p', '1960-03-04');")
            let query = "SELECT EXTRACT(YEAR FROM born)::int, EXTRACT(MONTH FROM born)::int, EXTRACT(DAY FROM born)::int, NULL::timestamp FROM patients WHERE id = $1 AND tenant = $2"
            try await self.withDirectory(server, query: query) { (directory: PostgresPatientDirectory) async throws in
                #expect(try await directory.lookUp(tenant: "b", patientId: "p")?.birthDate == CivilDate(year: 1960, month: 3, day: 4))
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
                #expect(try await directory.lookUp(tenant: "t", patientId: "full")?.birthDate == CivilDate(year: 1941, month: 3, day: 2))
            }
        }

        @Test func sessionsAreReadOnly() async throws {
            let server = try PostgresServer()
            try server.execute(Self.omopTable)
            let writing = "DELETE FROM person WHERE person_source_value = $1 RETURNING year_of_birth, month_of_birth, day_of_birth, birth_datetime"
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
            try await self.withDirectory(server, cacheSeconds: 60) { (directory: PostgresPatientDirectory) async throws in
                #expect(try await directory.lookUp(tenant: "t", patientId: "full") != nil)
                try server.stop()
                #expect(try await directory.lookUp(tenant: "t", patientId: "full") != nil, "served from the cache")
            }
        }

        @Test func urlsAreValidatedAndTheirPasswordNeverShown() throws {
            let url = try PostgresURL("postgres://reader:s3cret@db.example:6543/omop?sslmode=verify-full", key: "PATIENT_DIRECTORY")
            #expect(url.host == "db.example" && url.port == 6543 && url.database == "omop" && url.tls == .verifyFull)
            #expect(url.password == "s3cret")
            #expect(!url.description.contains("s3cret"))
            #expect(throws: ServiceError(.invalidConfiguration, #"invalid configuration: PATIENT_DIRECTORY sslmode must be disable, prefer, require, verify-ca or verify-full, got "sometimes""#)) {
                try PostgresURL("postgres://u:p@h/db?sslmode=sometimes", key: "PATIENT_DIRECTORY")
            }
            let configuration = try ServiceConfiguration.load(environment: ["KRANE_TENANTS": "a", "PATIENT_DIRECTORY": "postgres://u:topsecret@h/db"])
            #expect(configuration.patientDatabase?.url.host == "h")
            #expect(!configuration.description.contains("topsecret"))
        }
    }
}
