public import CompositeCore

/// Where patient attributes (birth dates) come from.
/// The directory answered, and refused this lookup because of its input: a retry would fail the same way, so the
/// composite gets an error result naming `reason` instead of waiting. Directories throw anything else for an outage.
public struct PatientLookupRefused: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String

    public init(reason: String) {
        self.reason = reason
    }

    public var description: String { self.reason }
}

public protocol PatientDirectory: Sendable {
    /// The patient's record, or `nil` when the directory has no such patient.
    ///
    /// - Throws: when the directory cannot answer right now (an outage). Callers retry; an outage never becomes
    ///   "not found".
    func lookUp(tenant: String, patientId: String) async throws -> PatientRecord?
}

/// A directory that knows no patients: every attribute is unknown.
public struct EmptyPatientDirectory: PatientDirectory {
    public init() {}

    public func lookUp(tenant: String, patientId: String) async throws -> PatientRecord? { nil }
}
