public import CompositeCore

/// Publish times `from ≤ t < to`; either end may be open.
public struct TimeRange: Sendable, Hashable {
    public var from: Timestamp?
    public var to: Timestamp?

    public init(from: Timestamp? = nil, to: Timestamp? = nil) {
        self.from = from
        self.to = to
    }

    /// Whether `time` is within the range.
    public func contains(_ time: Timestamp) -> Bool {
        (self.from.map { time >= $0 } ?? true) && (self.to.map { time < $0 } ?? true)
    }

    var json: JSONValue {
        .object(
            JSONObject([
                (key: "from", value: self.from.map { .string($0.description) } ?? .null),
                (key: "to", value: self.to.map { .string($0.description) } ?? .null),
            ])
        )
    }

    init(json: JSONValue) throws(FederationError) {
        func time(_ name: String) throws(FederationError) -> Timestamp? {
            guard let value = json[name], !value.isNull else { return nil }
            guard let text = value.stringValue, let time = Timestamp(iso8601: text) else {
                throw FederationError(.invalidPayload, key: "range.\(name)", "expected an ISO 8601 time or null")
            }
            return time
        }
        self.init(from: try time("from"), to: try time("to"))
    }
}
