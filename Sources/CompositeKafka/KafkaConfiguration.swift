/// How the Kafka adapter connects. The service fills it from `KAFKA_*` keys (docs/kafka.md).
public struct KafkaConfiguration: Sendable {
    /// The default `KAFKA_LIBRARY`: the soname, found on the dynamic loader's search path.
    public static let defaultLibrary = "librdkafka.so.1"

    /// `KAFKA_BROKERS`: the bootstrap servers, `host:port[,host:port…]`. Required.
    public var brokers: String
    /// `KAFKA_LIBRARY`: the librdkafka shared library to load. Default: `librdkafka.so.1` (the loader's path).
    public var library: String
    /// `KAFKA_TOPIC_TEMPLATE`. Default: `{tenant}.{namespace}.{topic}`.
    public var topics: KafkaTopicMapping
    /// `KAFKA_GROUP`: the consumer groups' prefix; each Krane tenant is consumed in group `<group>.<tenant>`.
    /// Default: the subscription name.
    public var group: String?
    /// `KAFKA_CONFIG_<NAME>`: further librdkafka properties, for both clients (`KAFKA_CONFIG_SESSION_TIMEOUT_MS=6000`
    /// sets `session.timeout.ms`). They override the adapter's own settings. Default: none.
    public var properties: [String: String]
    /// The bound of the commit metadata that carries acknowledgements beyond the committed offset, in bytes.
    /// Default: 4096, Kafka's default `offset.metadata.max.bytes`.
    public var metadataLimit: Int

    public init(
        brokers: String,
        library: String = KafkaConfiguration.defaultLibrary,
        topics: KafkaTopicMapping? = nil,
        group: String? = nil,
        properties: [String: String] = [:],
        metadataLimit: Int = AcknowledgementMetadata.defaultLimit
    ) {
        self.brokers = brokers
        self.library = library
        self.topics = topics ?? (try! KafkaTopicMapping())
        self.group = group
        self.properties = properties
        self.metadataLimit = metadataLimit
    }

    /// The librdkafka property name a `KAFKA_CONFIG_` suffix stands for: lower case, `_` becomes `.`.
    public static func propertyName(environmentSuffix suffix: String) -> String {
        suffix.lowercased().replacing("_", with: ".")
    }
}
