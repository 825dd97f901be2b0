/// Decodes Krane v2 messages: tolerant of extra fields, strict about the fields the engine uses.
public enum EventDecoder {
    /// Decodes `payload` received on `topic`.
    ///
    /// Task events are read from the tasks topic and scores from the experiments topic; a well-formed event on the
    /// other topic is ``KraneEvent/unrelated(name:)``.
    public static func decode(_ payload: [UInt8], on topic: TenantTopic) -> Result<KraneEvent, DeadLetterReason> {
        let document: JSONValue
        do {
            document = try JSONParser.parse(payload)
        } catch {
            // A duplicate key is well-formed JSON, but ambiguous: the platform's other readers take the last value.
            return .failure(DeadLetterReason(error.duplicateKey == nil ? "not JSON: \(error)" : error.description))
        }
        return Self.decode(document, on: topic)
    }

    public static func decode(_ document: JSONValue, on topic: TenantTopic) -> Result<KraneEvent, DeadLetterReason> {
        do throws(DeadLetterReason) {
            return .success(try Self.event(from: document, on: topic))
        } catch {
            return .failure(error)
        }
    }

    private static func event(from document: JSONValue, on topic: TenantTopic) throws(DeadLetterReason) -> KraneEvent {
        guard case .object(let envelope) = document else { throw DeadLetterReason("not a JSON object") }
        let name = try Self.string(envelope, "name", path: "name")
        let version = try Self.string(envelope, "version", path: "version")
        guard version == "v2" else {
            throw DeadLetterReason("version is \(DeadLetterReason.quote(version)), expected \"v2\"")
        }
        let tenant = try Self.string(envelope, "tenant", path: "tenant")
        guard tenant == topic.kraneTenant else {
            throw DeadLetterReason(
                "tenant \(DeadLetterReason.quote(tenant)) does not match the topic's tenant \"\(topic.kraneTenant)\""
            )
        }
        guard let dataValue = envelope["data"] else { throw DeadLetterReason("data is missing") }
        guard case .object(let data) = dataValue else { throw DeadLetterReason("data is not an object") }

        switch (topic.kind, name) {
        case (.tasks, "FutureTaskCreated"):
            let experimentType = try Self.string(data, "experimentType", path: "data.experimentType")
            let isComposite = experimentType == "composite"
            var startAt: Timestamp?
            if isComposite {
                let text = try Self.string(data, "startAt", path: "data.startAt")
                guard let parsed = Timestamp(iso8601: text) else {
                    throw DeadLetterReason("data.startAt \(DeadLetterReason.quote(text)) is not an ISO 8601 timestamp")
                }
                startAt = parsed
            }
            return .taskCreated(
                TaskCreated(
                    occurrence: try Self.occurrence(data),
                    experimentType: experimentType,
                    featureId: try Self.string(data, "featureId", path: "data.featureId"),
                    patientId: try Self.string(data, "patientId", path: "data.patientId"),
                    projectId: try Self.optionalString(data, "projectId", path: "data.projectId"),
                    startAt: startAt
                )
            )
        case (.tasks, "TaskCompleted"):
            return .taskCompleted(
                occurrence: try Self.occurrence(data),
                resultId: try Self.string(data, "resultId", path: "data.resultId")
            )
        case (.tasks, "TaskNextOccurrenceExpired"):
            return .taskExpired(occurrence: try Self.occurrence(data))
        case (.experiments, "CompositeScoreGenerated"):
            // Read back only to be acknowledged; whatever it carries is used if well-formed and ignored otherwise.
            var components: [SettledTask] = []
            if case .array(let used)? = data["components"] {
                components = used.compactMap { component in
                    component["occurrenceId"].flatMap(OccurrenceID.init(json:)).map {
                        SettledTask(occurrence: $0, resultId: component["resultId"]?.stringValue)
                    }
                }
            }
            return .compositeScoreGenerated(
                occurrence: data["occurrenceId"].flatMap(OccurrenceID.init(json:)),
                resultId: data["resultId"]?.stringValue,
                components: components
            )
        case (.experiments, _) where name.hasSuffix("ScoreGenerated"):
            let resultId = try Self.string(data, "resultId", path: "data.resultId")
            let score: NumericValue?
            switch data["score"] {
            case .number(let number)?: score = number
            case .null?: score = nil
            case .outOfRangeNumber(let text)?: throw Self.outOfRange("data.score", text)
            case nil: throw DeadLetterReason("data.score is missing")
            case let other?: throw DeadLetterReason("data.score is \(Self.kind(of: other)), expected a number or null")
            }
            return .scoreGenerated(ScoreGenerated(resultId: resultId, score: score))
        default:
            return .unrelated(name: name)
        }
    }

    private static func string(_ object: JSONObject, _ key: String, path: String) throws(DeadLetterReason) -> String {
        switch object[key] {
        case .string(let value)?: return value
        case nil: throw DeadLetterReason("\(path) is missing")
        case let other?: throw DeadLetterReason("\(path) is \(Self.kind(of: other)), expected a string")
        }
    }

    private static func optionalString(
        _ object: JSONObject,
        _ key: String,
        path: String
    ) throws(DeadLetterReason) -> String? {
        switch object[key] {
        case .string(let value)?: return value
        case .null?, nil: return nil
        case let other?: throw DeadLetterReason("\(path) is \(Self.kind(of: other)), expected a string or null")
        }
    }

    private static func occurrence(_ data: JSONObject) throws(DeadLetterReason) -> OccurrenceID {
        guard let value = data["occurrenceId"] else { throw DeadLetterReason("data.occurrenceId is missing") }
        switch value {
        case .outOfRangeNumber(let text):
            throw Self.outOfRange("data.occurrenceId", text)
        case .number(let number)
        where number.exactInteger == nil && number.doubleValue.rounded(.towardZero) == number.doubleValue:
            // A whole number too large to be an exact integer id (30 digits, say): no id can be read from it.
            throw Self.outOfRange("data.occurrenceId", String(number.doubleValue))
        default:
            break
        }
        guard let occurrence = OccurrenceID(json: value) else {
            throw DeadLetterReason("data.occurrenceId is \(Self.kind(of: value)), expected an integer or a string")
        }
        return occurrence
    }

    /// A number the service reads that no binary64 (or, for an id, no exact integer) can hold.
    private static func outOfRange(_ path: String, _ text: String) -> DeadLetterReason {
        // The number is the sender's text and may be a megabyte of digits.
        let shown = text.utf8.count > 32 ? String(decoding: text.utf8.prefix(32), as: UTF8.self) + "…" : text
        return DeadLetterReason("\(path) \(shown) is out of range")
    }

    private static func kind(of value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .number(let number): number.exactInteger == nil ? "a non-integer number" : "a number"
        case .string(let string): string.isEmpty ? "an empty string" : "a string"
        case .array: "an array"
        case .object: "an object"
        case .outOfRangeNumber: "a number out of range"
        }
    }
}
