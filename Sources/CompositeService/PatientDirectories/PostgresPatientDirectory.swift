public import CompositeCore
import Foundation
public import Logging
import NIOSSL
import PostgresNIO
public import ServiceLifecycle
import Synchronization

/// Patients from the site's clinical database: an OMOP CDM `person` table on PostgreSQL by default.
///
/// One connection pool; every session read-only (`default_transaction_read_only`); patient ids are always bound as
/// query parameters, never spliced into SQL. Answers are cached (bounded, with expiry). An outage throws, so the
/// caller retries and never mistakes it for "patient not found".
public final class PostgresPatientDirectory: PatientDirectory, Service {
    public struct Configuration: Sendable {
        public var url: PostgresURL
        /// The lookup: `$1` is the patient id (and `$2`, if used, the Krane tenant). It returns at most one row of
        /// `year_of_birth`, `month_of_birth`, `day_of_birth`, `birth_datetime` (in that order; any may be null).
        public var query = Self.omopQuery
        public var cacheSize = 10_000
        public var cacheExpiry = Duration.seconds(300)
        public var queryTimeout = Duration.seconds(5)

        /// The OMOP CDM default: the platform's patient id is `person.person_source_value`.
        public static let omopQuery =
            "SELECT year_of_birth, month_of_birth, day_of_birth, birth_datetime FROM person WHERE person_source_value = $1 LIMIT 1"

        public init(url: PostgresURL) {
            self.url = url
        }
    }

    struct CacheEntry {
        var record: PatientRecord?
        var expires: ContinuousClock.Instant
    }

    let configuration: Configuration
    let client: PostgresClient
    let cache = Mutex<[String: CacheEntry]>([:])

    public init(configuration: Configuration, logger: Logger) throws {
        self.configuration = configuration
        var tls = TLSConfiguration.makeClientConfiguration()
        if let file = configuration.url.rootCertificate {
            tls.trustRoots = .file(file)
        }
        let mode: PostgresClient.Configuration.TLS
        switch configuration.url.tls {
        case .disable: mode = .disable
        case .prefer: mode = .prefer(tls)
        case .require:
            tls.certificateVerification = .noHostnameVerification
            mode = .require(tls)
        case .verifyFull: mode = .require(tls)
        }
        var client = PostgresClient.Configuration(
            host: configuration.url.host,
            port: configuration.url.port,
            username: configuration.url.username,
            password: configuration.url.password,
            database: configuration.url.database,
            tls: mode
        )
        client.options.additionalStartupParameters = [("default_transaction_read_only", "on")]
        client.options.connectTimeout = configuration.queryTimeout
        client.options.maximumConnections = 4
        self.client = PostgresClient(configuration: client, backgroundLogger: logger)
    }

    /// Runs the connection pool; lookups need it running.
    public func run() async throws {
        await self.client.run()
    }

    public func lookUp(tenant: String, patientId: String) async throws -> PatientRecord? {
        let key = tenant + "\u{0}" + patientId
        let now = ContinuousClock.now
        if let entry = self.cache.withLock({ $0[key] }), entry.expires > now { return entry.record }
        let record = try await self.fetch(tenant: tenant, patientId: patientId)
        self.cache.withLock { cache in
            if cache.count >= self.configuration.cacheSize {
                // Bounded: drop what has expired, and if that is not enough, everything (cheap, rare).
                cache = cache.filter { $0.value.expires > now }
                if cache.count >= self.configuration.cacheSize { cache.removeAll(keepingCapacity: true) }
            }
            cache[key] = CacheEntry(record: record, expires: now.advanced(by: self.configuration.cacheExpiry))
        }
        return record
    }

    func fetch(tenant: String, patientId: String) async throws -> PatientRecord? {
        var bindings = PostgresBindings()
        bindings.append(patientId)
        if self.configuration.query.contains("$2") { bindings.append(tenant) }
        let query = PostgresQuery(unsafeSQL: self.configuration.query, binds: bindings)
        return try await withThrowingTaskGroup(of: PatientRecord??.self) { group in
            group.addTask {
                do {
                    let rows = try await self.client.query(query)
                    for try await (year, month, day, datetime) in rows.decode((Int?, Int?, Int?, Date?).self) {
                        return .some(Self.record(year: year, month: month, day: day, datetime: datetime))
                    }
                    return .some(nil)
                } catch let error as PSQLError {
                    throw Self.classify(error)
                }
            }
            group.addTask {
                try await Task.sleep(for: self.configuration.queryTimeout)
                return .none
            }
            defer { group.cancelAll() }
            guard case .some(let result)? = try await group.next() else {
                throw ServiceError(
                    .unreadable,
                    "patient directory query timed out after \(self.configuration.queryTimeout)"
                )
            }
            return result
        }
    }

    /// A server error caused by the input (SQLSTATE class 22, data exception: a patient id PostgreSQL cannot take,
    /// such as one with a NUL byte) refuses that lookup for good; anything else (connection failures, class 08,
    /// and class 42, which is the query's or the grants' fault and the same for every patient) is an outage that
    /// holds decisions. Either way the SQLSTATE and the server's message are kept; the URL and password never are.
    static func classify(_ error: PSQLError) -> any Error {
        guard let state = error.serverInfo?[.sqlState] else {
            return ServiceError(.unreadable, "patient directory unavailable: \(error.code)")
        }
        let message = error.serverInfo?[.message] ?? "no message"
        if state.hasPrefix("22") { return PatientLookupRefused(reason: "SQLSTATE \(state): \(message)") }
        return ServiceError(.unreadable, "patient directory query failed: SQLSTATE \(state): \(message)")
    }

    /// The birth date from OMOP's columns: day precision from the components or `birth_datetime`; otherwise the
    /// latest date the known parts allow, so the age is never overstated.
    static func record(year: Int?, month: Int?, day: Int?, datetime: Date?) -> PatientRecord {
        if let year, let month, let day, let date = CivilDate(year: year, month: month, day: day) {
            return PatientRecord(birthDate: date, birthDatePrecision: .day)
        }
        if let datetime {
            let time = Timestamp(millisecondsSinceEpoch: Int64((datetime.timeIntervalSince1970 * 1_000).rounded(.down)))
            return PatientRecord(birthDate: time.civilDate, birthDatePrecision: .day)
        }
        if let year, let month, (1...12).contains(month) {
            return PatientRecord(
                birthDate: CivilDate(year: year, month: month, day: CivilDate.daysIn(month: month, year: year)),
                birthDatePrecision: .month
            )
        }
        if let year {
            return PatientRecord(birthDate: CivilDate(year: year, month: 12, day: 31), birthDatePrecision: .year)
        }
        return PatientRecord(birthDate: nil)
    }
}
