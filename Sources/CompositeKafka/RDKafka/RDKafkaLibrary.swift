import CRdKafka
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// librdkafka, loaded at run time with `dlopen`, and the functions the adapter calls, each looked up once.
///
/// Loading instead of linking keeps the build free of `librdkafka-dev`, and lets the operator pick the runtime
/// library (`KAFKA_LIBRARY`): the version matters more than usual, because Debian's 2.0.2 cannot talk to brokers that
/// send tagged fields in ApiVersions (docs/kafka.md). The library stays loaded for the life of the process.
final class RDKafkaLibrary: Sendable {
    private static let loaded = Mutex<[String: RDKafkaLibrary]>([:])

    let path: String
    let version: crk_version_fn
    let versionString: crk_version_str_fn
    let errorString: crk_err2str_fn
    let confNew: crk_conf_new_fn
    let confDestroy: crk_conf_destroy_fn
    let confSet: crk_conf_set_fn
    let confSetOpaque: crk_conf_set_opaque_fn
    let confSetDeliveryCallback: crk_conf_set_dr_msg_cb_fn
    let confSetRebalanceCallback: crk_conf_set_rebalance_cb_fn
    let new: crk_new_fn
    let destroy: crk_destroy_fn
    let poll: crk_poll_fn
    let flush: crk_flush_fn
    let produceva: crk_produceva_fn
    let errorCode: crk_error_code_fn
    let errorMessage: crk_error_string_fn
    let errorDestroy: crk_error_destroy_fn
    let pollSetConsumer: crk_poll_set_consumer_fn
    let subscribe: crk_subscribe_fn
    let consumerPoll: crk_consumer_poll_fn
    let consumerClose: crk_consumer_close_fn
    let messageDestroy: crk_message_destroy_fn
    let messageTimestamp: crk_message_timestamp_fn
    let messageHeaders: crk_message_headers_fn
    let headerGetAll: crk_header_get_all_fn
    let topicName: crk_topic_name_fn
    let partitionListNew: crk_topic_partition_list_new_fn
    let partitionListDestroy: crk_topic_partition_list_destroy_fn
    let partitionListAdd: crk_topic_partition_list_add_fn
    let assign: crk_assign_fn
    let committed: crk_committed_fn
    let commit: crk_commit_fn
    let queryWatermarkOffsets: crk_query_watermark_offsets_fn

    /// The library at `path` (a file path, or a name for the loader's search path), loaded once per process.
    static func load(_ path: String = KafkaConfiguration.defaultLibrary) throws(KafkaError) -> RDKafkaLibrary {
        let result: Result<RDKafkaLibrary, KafkaError> = Self.loaded.withLock { loaded in
            if let library = loaded[path] { return .success(library) }
            do throws(KafkaError) {
                let library = try RDKafkaLibrary(path: path)
                loaded[path] = library
                return .success(library)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private init(path: String) throws(KafkaError) {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown dlopen error"
            throw KafkaError(
                "loading librdkafka (KAFKA_LIBRARY=\(path))",
                reason: "\(reason); install librdkafka 2.2 or newer or point KAFKA_LIBRARY at librdkafka.so.1"
            )
        }
        func symbol<F>(_ name: String, as type: F.Type = F.self) throws(KafkaError) -> F {
            guard let address = dlsym(handle, name) else {
                throw KafkaError("loading librdkafka (\(path))", reason: "symbol \(name) is missing; too old a library")
            }
            return unsafeBitCast(address, to: F.self)
        }
        self.path = path
        self.version = try symbol("rd_kafka_version")
        self.versionString = try symbol("rd_kafka_version_str")
        self.errorString = try symbol("rd_kafka_err2str")
        self.confNew = try symbol("rd_kafka_conf_new")
        self.confDestroy = try symbol("rd_kafka_conf_destroy")
        self.confSet = try symbol("rd_kafka_conf_set")
        self.confSetOpaque = try symbol("rd_kafka_conf_set_opaque")
        self.confSetDeliveryCallback = try symbol("rd_kafka_conf_set_dr_msg_cb")
        self.confSetRebalanceCallback = try symbol("rd_kafka_conf_set_rebalance_cb")
        self.new = try symbol("rd_kafka_new")
        self.destroy = try symbol("rd_kafka_destroy")
        self.poll = try symbol("rd_kafka_poll")
        self.flush = try symbol("rd_kafka_flush")
        self.produceva = try symbol("rd_kafka_produceva")
        self.errorCode = try symbol("rd_kafka_error_code")
        self.errorMessage = try symbol("rd_kafka_error_string")
        self.errorDestroy = try symbol("rd_kafka_error_destroy")
        self.pollSetConsumer = try symbol("rd_kafka_poll_set_consumer")
        self.subscribe = try symbol("rd_kafka_subscribe")
        self.consumerPoll = try symbol("rd_kafka_consumer_poll")
        self.consumerClose = try symbol("rd_kafka_consumer_close")
        self.messageDestroy = try symbol("rd_kafka_message_destroy")
        self.messageTimestamp = try symbol("rd_kafka_message_timestamp")
        self.messageHeaders = try symbol("rd_kafka_message_headers")
        self.headerGetAll = try symbol("rd_kafka_header_get_all")
        self.topicName = try symbol("rd_kafka_topic_name")
        self.partitionListNew = try symbol("rd_kafka_topic_partition_list_new")
        self.partitionListDestroy = try symbol("rd_kafka_topic_partition_list_destroy")
        self.partitionListAdd = try symbol("rd_kafka_topic_partition_list_add")
        self.assign = try symbol("rd_kafka_assign")
        self.committed = try symbol("rd_kafka_committed")
        self.commit = try symbol("rd_kafka_commit")
        self.queryWatermarkOffsets = try symbol("rd_kafka_query_watermark_offsets")
    }

    /// `rd_kafka_version_str()`, e.g. "2.16.0".
    var versionText: String { Self.string(self.versionString()) }

    /// The name of a topic handle.
    func name(of topic: OpaquePointer) -> String { Self.string(self.topicName(topic)) }

    static func string(_ pointer: UnsafePointer<CChar>?) -> String { pointer.map { String(cString: $0) } ?? "" }

    /// Whether the library is at least `major.minor`.
    func isAtLeast(major: Int, minor: Int) -> Bool {
        Self.isAtLeast(Int(self.version()), major: major, minor: minor)
    }

    /// Whether an `rd_kafka_version()` number (hex 0xMMmmrrxx) is at least `major.minor`.
    static func isAtLeast(_ version: Int, major: Int, minor: Int) -> Bool {
        (version >> 24, (version >> 16) & 0xff) >= (major, minor)
    }

    /// librdkafka's text for an error code.
    func describe(_ code: rd_kafka_resp_err_t) -> String { Self.string(self.errorString(code)) }

    /// Throws a ``KafkaError`` for a non-zero error code.
    func check(_ code: rd_kafka_resp_err_t, _ operation: @autoclosure () -> String, topic: String? = nil)
        throws(KafkaError)
    {
        guard code != 0 else { return }
        throw KafkaError(operation(), topic: topic, code: code, reason: self.describe(code))
    }

    /// Throws a ``KafkaError`` for a non-nil `rd_kafka_error_t`, destroying it.
    func check(_ error: OpaquePointer?, _ operation: @autoclosure () -> String, topic: String? = nil)
        throws(KafkaError)
    {
        guard let error else { return }
        let code = self.errorCode(error)
        let reason = Self.string(self.errorMessage(error))
        self.errorDestroy(error)
        throw KafkaError(operation(), topic: topic, code: code, reason: reason)
    }
}
