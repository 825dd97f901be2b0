/// A held input message re-published to its tenant's state topic, so that the input subscription can acknowledge the
/// original and keep its acknowledgement holes bounded (contract `semantics.md`, durable holding; guarantee 6).
///
/// The copy keeps the original's topic, message id and publish time as its identity: the engine treats it exactly
/// as the original, and a copy and its original seen together are one message.
public struct CarriedMessage: Sendable, Hashable {
    public var tenant: String
    /// The input topic the original was published to, as the broker names it.
    public var topic: String
    public var id: MessageID
    public var publishTime: Timestamp
    public var key: String?
    public var payload: [UInt8]

    public init(tenant: String, topic: String, id: MessageID, publishTime: Timestamp, key: String?, payload: [UInt8]) {
        self.tenant = tenant
        self.topic = topic
        self.id = id
        self.publishTime = publishTime
        self.key = key
        self.payload = payload
    }

    /// The `kind` member that marks a carried message among the state topic's messages.
    static let kind = "carried-message"

    /// `{"kind":"carried-message","version":1,"tenant":…,"topic":…,"id":"ledger:entry:partition:batch",
    /// "publishTime":<ms>,"key":…,"payload":"<the original JSON text>"}`. Only decoded events are ever held, so the
    /// payload is valid UTF-8 and travels as a string, readable with any JSON tool.
    public var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("kind", .string(Self.kind)),
            ("version", .number(.integer(1))),
            ("tenant", .string(self.tenant)),
            ("topic", .string(self.topic)),
            ("id", .string(self.id.description)),
            ("publishTime", .number(.integer(Int(self.publishTime.millisecondsSinceEpoch)))),
        ]
        if let key = self.key { members.append(("key", .string(key))) }
        members.append(("payload", .string(String(decoding: self.payload, as: UTF8.self))))
        return .object(JSONObject(members))
    }

    /// Reads a carried message; `nil` when `json` is not one.
    public init?(json: JSONValue) {
        guard json["kind"]?.stringValue == Self.kind, let tenant = json["tenant"]?.stringValue,
            let topic = json["topic"]?.stringValue,
            let id = json["id"]?.stringValue.flatMap(MessageID.init(description:)),
            case .number(let publishTime) = json["publishTime"], let milliseconds = publishTime.exactInteger,
            let payload = json["payload"]?.stringValue
        else { return nil }
        let key: String?
        switch json["key"] {
        case nil, .null?: key = nil
        case .string(let value)?: key = value
        default: return nil
        }
        self.init(
            tenant: tenant,
            topic: topic,
            id: id,
            publishTime: Timestamp(millisecondsSinceEpoch: Int64(milliseconds)),
            key: key,
            payload: Array(payload.utf8)
        )
    }

    /// The original as its consumer first received it.
    var delivery: Delivery {
        Delivery(topic: self.topic, id: self.id, publishTime: self.publishTime, payload: self.payload, key: self.key)
    }
}
