import CRdKafka

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An `rd_kafka_topic_partition_list_t` the adapter created, destroyed with the object.
///
/// Single owner: created, filled, passed to one blocking C call and read back on the same thread.
final class RDKafkaPartitionList {
    let library: RDKafkaLibrary
    let pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    init(library: RDKafkaLibrary, capacity: Int = 4) {
        self.library = library
        self.pointer = library.partitionListNew(Int32(max(1, capacity)))!
    }

    deinit {
        self.library.partitionListDestroy(self.pointer)
    }

    /// Adds a partition, with an offset and commit metadata when given.
    func add(topic: String, partition: Int32, offset: Int64 = Int64(CRK_OFFSET_INVALID), metadata: [UInt8]? = nil) {
        let element = self.library.partitionListAdd(self.pointer, topic, partition)!
        element.pointee.offset = offset
        if let metadata, !metadata.isEmpty {
            // librdkafka frees the metadata with free() when the list is destroyed.
            let copy = malloc(metadata.count)!
            metadata.withUnsafeBytes { copy.copyMemory(from: $0.baseAddress!, byteCount: metadata.count) }
            element.pointee.metadata = copy
            element.pointee.metadata_size = metadata.count
        }
    }

    /// The list's entries as Swift values.
    var entries: [RDKafkaPartition] { Self.entries(of: self.pointer) }

    /// The entries of a list librdkafka owns (a rebalance callback's argument).
    static func entries(of list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> [RDKafkaPartition] {
        (0..<Int(list.pointee.cnt)).map { index in
            let element = list.pointee.elems[index]
            var metadata: [UInt8] = []
            if let bytes = element.metadata, element.metadata_size > 0 {
                metadata = Array(UnsafeRawBufferPointer(start: bytes, count: element.metadata_size))
            }
            return RDKafkaPartition(
                topic: String(cString: element.topic),
                partition: element.partition,
                offset: element.offset,
                metadata: metadata,
                error: element.err
            )
        }
    }
}

/// One entry of a partition list.
struct RDKafkaPartition: Sendable, Hashable {
    var topic: String
    var partition: Int32
    var offset: Int64
    var metadata: [UInt8]
    var error: Int32
}
