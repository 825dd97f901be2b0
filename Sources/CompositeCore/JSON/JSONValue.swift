/// A parsed JSON document.
///
/// Objects keep their members in document order so that re-encoding is stable; lookups are linear, which is the
/// fastest choice for the small objects of event messages.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(NumericValue)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
    /// A number too large for a binary64 (`1e400`), kept as written. It is valid JSON, so a document holding one in
    /// a field nobody reads is fine; wherever a number is read, it is not one (out of range).
    case outOfRangeNumber(String)

    /// The member `key` when this is an object.
    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// A copy with object keys sorted and integral numbers made integers at every level, so that two documents that
    /// differ only in key order or number spelling compare equal.
    public var canonical: JSONValue {
        switch self {
        case .null, .bool, .string, .outOfRangeNumber:
            return self
        case .number(let number):
            if let integer = number.exactInteger { return .number(.integer(integer)) }
            return self
        case .array(let elements):
            return .array(elements.map(\.canonical))
        case .object(let object):
            let members = object.members
                .map { JSONMember(key: $0.key, value: $0.value.canonical) }
                .sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            return .object(JSONObject(members: members))
        }
    }
}

/// One `"key": value` pair of a JSON object.
public struct JSONMember: Sendable, Hashable {
    public var key: String
    public var value: JSONValue

    public init(key: String, value: JSONValue) {
        self.key = key
        self.value = value
    }
}

/// A JSON object: members in document order.
public struct JSONObject: Sendable, Hashable {
    // A struct rather than a tuple element: arrays of tuples need runtime type metadata on every allocation.
    public var members: [JSONMember]

    public init(members: [JSONMember]) {
        self.members = members
    }

    public init(_ members: [(key: String, value: JSONValue)] = []) {
        self.members = members.map { JSONMember(key: $0.key, value: $0.value) }
    }

    /// The first member named `key`.
    public subscript(key: String) -> JSONValue? {
        for member in self.members where member.key == key {
            return member.value
        }
        return nil
    }

    public mutating func append(_ key: String, _ value: JSONValue) {
        self.members.append(JSONMember(key: key, value: value))
    }
}
