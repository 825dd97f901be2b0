public import CompositeCore

/// Where patient attributes (birth dates) come from.
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
