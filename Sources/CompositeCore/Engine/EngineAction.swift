/// Identifies one publication the engine asked for, so its confirmation can be reported back.
public struct PublicationID: Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt64

    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    public var description: String { "publication \(self.rawValue)" }
}

/// A message the engine wants published. Until the broker confirms it, the messages it settles stay unacknowledged.
public struct Publication: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// A `CompositeScoreGenerated`; `isError` when it carries an error instead of a score.
        case result(featureId: String, isError: Bool)
        /// A message that could not be understood, published unchanged to its dead-letter topic.
        case deadLetter(reason: String)
        /// A decision proof, to the tenant's state topic (internal: replay does not print it).
        case proof
        /// A watermark checkpoint, to the tenant's state topic (internal: replay does not print it).
        case checkpoint
        /// A held message carried forward to the tenant's state topic (internal: replay does not print it).
        case carry
    }

    public var id: PublicationID
    public var topic: String
    public var payload: [UInt8]
    /// Broker message properties (the dead-letter reason travels here).
    public var properties: [String: String]
    public var key: String?
    public var kind: Kind
    /// The publish time to record, for brokers whose producer sets it; `nil` for the broker's clock. Carried copies
    /// set the engine's clock, so that replay (which has no clock) ages them in its own time.
    public var publishTime: Timestamp?
    /// For a result: what it says, so that logs and metrics need not parse the payload again.
    public var summary: ResultSummary?

    public init(
        id: PublicationID,
        topic: String,
        payload: [UInt8],
        properties: [String: String] = [:],
        key: String? = nil,
        kind: Kind,
        publishTime: Timestamp? = nil,
        summary: ResultSummary? = nil
    ) {
        self.publishTime = publishTime
        self.summary = summary
        self.id = id
        self.topic = topic
        self.payload = payload
        self.properties = properties
        self.key = key
        self.kind = kind
    }
}

/// A request to find a patient's attributes; answer with ``CompositeEngine/patientLookedUp(_:record:)``.
public struct PatientLookup: Sendable, Hashable {
    public var id: UInt64
    public var tenant: String
    public var patientId: String

    public init(id: UInt64, tenant: String, patientId: String) {
        self.id = id
        self.tenant = tenant
        self.patientId = patientId
    }
}

/// What the engine's caller must do. The engine itself performs no I/O.
public enum EngineAction: Sendable, Hashable {
    /// Publish, then report ``CompositeEngine/publicationConfirmed(_:)`` once the broker has durably stored it.
    case publish(Publication)
    /// Acknowledge these messages individually.
    case acknowledge([MessageRef])
    /// Look the patient up and report ``CompositeEngine/patientLookedUp(_:record:)``; retry on outages, never
    /// report an outage as "not found".
    case lookUpPatient(PatientLookup)
}

/// How much of a birth date a patient directory knows.
public enum BirthDatePrecision: String, Sendable, Hashable {
    case day
    /// Year and month only: the directory reports the month's last day.
    case month
    /// Year only: the directory reports December 31st.
    case year
}

/// Patient attributes from a patient directory.
public struct PatientRecord: Sendable, Hashable {
    /// The birth date; with a coarser ``birthDatePrecision`` the latest date it can be, so ages are never overstated.
    public var birthDate: CivilDate?
    public var birthDatePrecision: BirthDatePrecision
    /// Further numeric attributes by name, for scorers that need more than age.
    public var attributes: [String: NumericValue]

    public init(
        birthDate: CivilDate?,
        birthDatePrecision: BirthDatePrecision = .day,
        attributes: [String: NumericValue] = [:]
    ) {
        self.birthDate = birthDate
        self.birthDatePrecision = birthDatePrecision
        self.attributes = attributes
    }
}
