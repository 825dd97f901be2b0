/// Maps the Pulsar-style topic names of events.md (`persistent://P/tasks/T-events`, dead letters
/// `persistent://P/tasks/T-events-SUB-DLQ`) to Kafka topic names.
///
/// The template names the parts of `persistent://{tenant}/{namespace}/{topic}`; the default,
/// `{tenant}.{namespace}.{topic}`, maps `persistent://krane-staging/tasks/orikami-events` to
/// `krane-staging.tasks.orikami-events`. Kafka allows only `[A-Za-z0-9._-]`, at most 249 characters.
public struct KafkaTopicMapping: Sendable, Hashable {
    public static let defaultTemplate = "{tenant}.{namespace}.{topic}"
    public let template: String

    /// Fails when the template lacks `{topic}` or maps the example topic to an invalid Kafka name.
    public init(template: String = defaultTemplate) throws(KafkaError) {
        guard template.contains("{topic}") else {
            throw KafkaError("KAFKA_TOPIC_TEMPLATE", reason: "must contain {topic}, got \"\(template)\"")
        }
        self.template = template
        _ = try self.kafkaTopic("persistent://tenant/namespace/topic-events")
    }

    /// The Kafka topic for a Pulsar-style name; a name without the `persistent://` shape is used as it is.
    public func kafkaTopic(_ pulsarTopic: String) throws(KafkaError) -> String {
        var name = pulsarTopic
        let prefix = "persistent://"
        if pulsarTopic.hasPrefix(prefix) {
            let parts = pulsarTopic.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false)
            if parts.count == 3 {
                name = self.template.replacing("{tenant}", with: parts[0])
                    .replacing("{namespace}", with: parts[1])
                    .replacing("{topic}", with: parts[2])
            }
        }
        guard !name.isEmpty, name.utf8.count <= 249, name != ".", name != "..",
            name.utf8.allSatisfy({ Self.allowed.contains($0) })
        else {
            throw KafkaError(
                "mapping a topic name",
                topic: pulsarTopic,
                reason:
                    "\"\(name)\" is not a valid Kafka topic name (letters, digits, '.', '_', '-'; check KAFKA_TOPIC_TEMPLATE)"
            )
        }
        return name
    }

    private static let allowed = Set(Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-".utf8))
}
