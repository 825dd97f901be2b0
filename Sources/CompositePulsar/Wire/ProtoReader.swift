/// Reads protocol-buffer wire format field by field, skipping fields it is not asked about.
struct ProtoReader {
    enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case bytes(ArraySlice<UInt8>)
        case fixed32(UInt32)

        var uint: UInt64? {
            if case .varint(let value) = self { return value }
            return nil
        }

        var int: Int64? { self.uint.map { Int64(bitPattern: $0) } }

        var bool: Bool? { self.uint.map { $0 != 0 } }

        var data: ArraySlice<UInt8>? {
            if case .bytes(let value) = self { return value }
            return nil
        }

        var string: String? { self.data.map { String(decoding: $0, as: UTF8.self) } }
    }

    private let buffer: ArraySlice<UInt8>
    private var index: Int

    init(_ buffer: ArraySlice<UInt8>) {
        self.buffer = buffer
        self.index = buffer.startIndex
    }

    init(_ buffer: [UInt8]) {
        self.init(buffer[...])
    }

    var isAtEnd: Bool { self.index >= self.buffer.endIndex }

    mutating func readVarint() throws(PulsarError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard self.index < self.buffer.endIndex else { throw PulsarError.malformed("truncated varint") }
            let byte = self.buffer[self.index]
            self.index += 1
            if shift < 64 { result |= UInt64(byte & 0x7f) << shift }
            if byte & 0x80 == 0 { return result }
            shift += 7
            guard shift < 70 else { throw PulsarError.malformed("varint longer than 10 bytes") }
        }
    }

    private mutating func take(_ count: Int) throws(PulsarError) -> ArraySlice<UInt8> {
        guard count >= 0, self.buffer.endIndex - self.index >= count else {
            throw PulsarError.malformed("field length \(count) runs past the message")
        }
        defer { self.index += count }
        return self.buffer[self.index..<self.index + count]
    }

    /// The next field, or `nil` at the end of the message.
    mutating func next() throws(PulsarError) -> (field: Int, value: Value)? {
        guard self.index < self.buffer.endIndex else { return nil }
        let key = try self.readVarint()
        let field = Int(key >> 3)
        switch key & 7 {
        case 0: return (field, .varint(try self.readVarint()))
        case 1:
            let raw = try self.take(8)
            return (field, .fixed64(raw.reversed().reduce(0) { $0 << 8 | UInt64($1) }))
        case 2:
            let length = try self.readVarint()
            guard length <= UInt64(Int.max) else { throw PulsarError.malformed("field length overflows") }
            return (field, .bytes(try self.take(Int(length))))
        case 5:
            let raw = try self.take(4)
            return (field, .fixed32(raw.reversed().reduce(0) { $0 << 8 | UInt32($1) }))
        default:
            throw PulsarError.malformed("unsupported wire type \(key & 7) for field \(field)")
        }
    }

    /// Calls `body` for every field of `buffer`.
    static func forEachField(
        in buffer: ArraySlice<UInt8>,
        _ body: (Int, Value) throws(PulsarError) -> Void
    ) throws(PulsarError) {
        var reader = ProtoReader(buffer)
        while let (field, value) = try reader.next() {
            try body(field, value)
        }
    }
}

extension ProtoReader {
    /// The next varint of a packed repeated field, or `nil` at its end.
    mutating func nextPackedVarint() throws(PulsarError) -> UInt64? {
        guard !self.isAtEnd else { return nil }
        return try self.readVarint()
    }
}
