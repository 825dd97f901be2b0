/// Writes protocol-buffer wire format (proto2) for the few Pulsar messages this client sends.
///
/// Hand-written rather than generated: the client uses about twenty messages and a handful of fields each, and a
/// generated module would pull the protobuf runtime and its plugin build into every clean build.
struct ProtoWriter {
    private(set) var bytes: [UInt8] = []

    init() {
        self.bytes.reserveCapacity(64)
    }

    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            self.bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        self.bytes.append(UInt8(value))
    }

    private mutating func tag(_ field: Int, _ wireType: UInt64) {
        self.varint(UInt64(field) << 3 | wireType)
    }

    /// A varint field (uint64, uint32, bool, enum).
    mutating func uint(_ field: Int, _ value: UInt64) {
        self.tag(field, 0)
        self.varint(value)
    }

    /// An int32 or int64 field: negative values take ten bytes, as proto2 requires.
    mutating func int(_ field: Int, _ value: Int64) {
        self.tag(field, 0)
        self.varint(UInt64(bitPattern: value))
    }

    mutating func bool(_ field: Int, _ value: Bool) {
        self.uint(field, value ? 1 : 0)
    }

    mutating func bytes(_ field: Int, _ value: some Collection<UInt8>) {
        self.tag(field, 2)
        self.varint(UInt64(value.count))
        self.bytes.append(contentsOf: value)
    }

    mutating func string(_ field: Int, _ value: String) {
        self.bytes(field, Array(value.utf8))
    }

    /// An embedded message, written by `body`.
    mutating func message(_ field: Int, _ body: (inout ProtoWriter) -> Void) {
        var nested = ProtoWriter()
        body(&nested)
        self.bytes(field, nested.bytes)
    }
}
