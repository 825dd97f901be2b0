public import CompositeCore

/// Patients from a JSON Lines file: `{"tenant": "orikami", "patientId": "…", "birthDate": "1941-03-02"}` a line.
public struct JSONLinesPatientDirectory: PatientDirectory {
    struct Key: Hashable {
        var tenant: String
        var patientId: String
    }

    let records: [Key: PatientRecord]

    /// Parses the file's contents; `fileName` is used in error messages.
    public init(contents: String, fileName: String) throws(ServiceError) {
        var records: [Key: PatientRecord] = [:]
        for (offset, line) in contents.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = offset + 1
            guard !line.allSatisfy(\.isWhitespace) else { continue }
            func fail(_ message: String) -> ServiceError {
                ServiceError(.invalidInput, file: fileName, line: lineNumber, message)
            }
            guard let value = try? JSONParser.parse(String(line)), case .object(let object) = value else {
                throw fail("not a JSON object")
            }
            guard let tenant = object["tenant"]?.stringValue else { throw fail("tenant: expected a string") }
            guard let patientId = object["patientId"]?.stringValue else { throw fail("patientId: expected a string") }
            var birthDate: CivilDate?
            switch object["birthDate"] {
            case .string(let text)?:
                guard let date = CivilDate(iso8601: text) else {
                    throw fail("birthDate: \"\(text)\" is not a date (YYYY-MM-DD)")
                }
                birthDate = date
            case .null?, nil:
                birthDate = nil
            default:
                throw fail("birthDate: expected a string YYYY-MM-DD or null")
            }
            let key = Key(tenant: tenant, patientId: patientId)
            guard records[key] == nil else { throw fail("patient \(patientId) of tenant \(tenant) is listed twice") }
            records[key] = PatientRecord(birthDate: birthDate)
        }
        self.records = records
    }

    public func lookUp(tenant: String, patientId: String) async throws -> PatientRecord? {
        self.records[Key(tenant: tenant, patientId: patientId)]
    }

    public var count: Int { self.records.count }
}
