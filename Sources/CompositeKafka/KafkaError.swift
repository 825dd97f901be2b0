/// The Kafka adapter's error: what failed, on which topic if any, librdkafka's error code and its message.
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    /// What the adapter was doing.
    public var operation: String
    public var topic: String?
    /// librdkafka's `rd_kafka_resp_err_t`, when the failure came from it.
    public var code: Int32?
    public var reason: String

    public init(_ operation: String, topic: String? = nil, code: Int32? = nil, reason: String) {
        self.operation = operation
        self.topic = topic
        self.code = code
        self.reason = reason
    }

    public var description: String {
        var text = "kafka: \(self.operation) failed"
        if let topic = self.topic { text += " on \(topic)" }
        if let code = self.code { text += " (error \(code))" }
        return text + ": \(self.reason)"
    }
}
