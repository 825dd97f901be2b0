import CRdKafka
import Synchronization

/// One `rd_kafka_t` (a producer or a consumer), destroyed with the object.
///
/// librdkafka's handle is thread-safe; the owners (``KafkaProducer``, ``KafkaGroupMember``) still confine the
/// blocking calls to their own threads so they never run on Swift's cooperative pool.
final class RDKafkaClient: @unchecked Sendable {
    enum Kind {
        case producer
        case consumer
    }

    let library: RDKafkaLibrary
    let handle: OpaquePointer
    private let destroyed = Atomic<Bool>(false)

    /// Creates the handle from `configuration` (librdkafka property names). `opaque` is handed to the callbacks; the
    /// caller keeps it alive for the life of the client.
    init(
        library: RDKafkaLibrary,
        kind: Kind,
        configuration: [String: String],
        opaque: UnsafeMutableRawPointer? = nil,
        deliveryCallback: crk_dr_msg_cb? = nil,
        rebalanceCallback: crk_rebalance_cb? = nil
    ) throws(KafkaError) {
        self.library = library
        guard let conf = library.confNew() else { throw KafkaError("rd_kafka_conf_new", reason: "out of memory") }
        var errorText = [CChar](repeating: 0, count: 512)
        for (name, value) in configuration.sorted(by: { $0.key < $1.key }) {
            let result = errorText.withUnsafeMutableBufferPointer {
                library.confSet(conf, name, value, $0.baseAddress, $0.count)
            }
            guard result == Int32(CRK_CONF_OK) else {
                library.confDestroy(conf)
                // The value is left out: it may be a password (sasl.password through KAFKA_CONFIG_*).
                throw KafkaError("setting \(name)", reason: Self.text(errorText))
            }
        }
        if let opaque { library.confSetOpaque(conf, opaque) }
        if let deliveryCallback { library.confSetDeliveryCallback(conf, deliveryCallback) }
        if let rebalanceCallback { library.confSetRebalanceCallback(conf, rebalanceCallback) }
        let type: Int32 = kind == .producer ? Int32(CRK_PRODUCER) : Int32(CRK_CONSUMER)
        // rd_kafka_new takes ownership of conf only when it succeeds.
        let created = errorText.withUnsafeMutableBufferPointer { library.new(type, conf, $0.baseAddress, $0.count) }
        guard let created else {
            library.confDestroy(conf)
            throw KafkaError("creating the \(kind) client", reason: Self.text(errorText))
        }
        self.handle = created
    }

    /// Destroys the handle now, joining librdkafka's threads; later calls and `deinit` do nothing. Owners call it
    /// when they close, so that no librdkafka thread is still tearing down when the process exits (a client left
    /// to `deinit` crashed the service on its way out).
    func destroy() {
        guard !self.destroyed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        self.library.destroy(self.handle)
    }

    deinit {
        self.destroy()
    }

    private static func text(_ buffer: [CChar]) -> String {
        buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
