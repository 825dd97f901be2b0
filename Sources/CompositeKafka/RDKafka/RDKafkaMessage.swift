import CRdKafka

/// A consumed message copied out of librdkafka's `rd_kafka_message_t` (which is destroyed right after).
struct RDKafkaMessage: Sendable, Hashable {
    var topic: String
    var partition: Int32
    var offset: Int64
    /// Milliseconds since the epoch (the producer's CreateTime, or the broker's LogAppendTime); -1 if absent.
    var timestamp: Int64
    var payload: [UInt8]
    var key: [UInt8]?
    var headers: [String: String]

    init(_ message: UnsafePointer<rd_kafka_message_t>, library: RDKafkaLibrary) {
        let value = message.pointee
        self.topic = value.rkt.map { library.name(of: $0) } ?? ""
        self.partition = value.partition
        self.offset = value.offset
        var type: Int32 = 0
        self.timestamp = library.messageTimestamp(message, &type)
        self.payload = value.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: value.len)) } ?? []
        self.key = value.key.map { Array(UnsafeRawBufferPointer(start: $0, count: value.key_len)) }
        self.headers = [:]
        var headers: OpaquePointer?
        guard library.messageHeaders(message, &headers) == 0, let headers else { return }
        var index = 0
        var name: UnsafePointer<CChar>?
        var bytes: UnsafeRawPointer?
        var size = 0
        while library.headerGetAll(headers, index, &name, &bytes, &size) == 0 {
            if let name {
                let text = bytes.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: size), as: UTF8.self) }
                self.headers[String(cString: name)] = text ?? ""
            }
            index += 1
        }
    }
}
