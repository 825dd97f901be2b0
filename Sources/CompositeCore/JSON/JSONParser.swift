/// Why a byte sequence is not a JSON document, with the byte offset where parsing stopped.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var offset: Int
    public var message: String
    /// The key an object named twice, when that is the reason (the document is well-formed JSON otherwise).
    public var duplicateKey: String?

    public init(offset: Int, message: String, duplicateKey: String? = nil) {
        self.offset = offset
        self.message = message
        self.duplicateKey = duplicateKey
    }

    public var description: String { "\(self.message) at byte \(self.offset)" }
}

/// A strict RFC 8259 parser over UTF-8 bytes that also refuses duplicate object keys by default (I-JSON, RFC 7493).
///
/// Written for the hot path: one pass, no intermediate tokens, strings copied once. Nesting is limited so hostile
/// input cannot exhaust the stack.
public struct JSONParser {
    /// What the parser does with an object that names a key twice.
    public enum DuplicateKeys: Sendable {
        /// Refuse the document (I-JSON): readers disagree on which value wins, so the document is ambiguous.
        case refused
        /// Keep every member, as RFC 8259 allows; lookups then see the first.
        case kept
    }

    /// Deepest nesting of arrays and objects accepted.
    public static let maximumDepth = 128
    /// How much of a duplicate key an error message quotes: the key is the sender's text.
    static let quotedKeyLength = 64

    /// Parses exactly one JSON value, allowing surrounding whitespace; a duplicate key is an error.
    public static func parse(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        try Self.parse(bytes, duplicateKeys: .refused)
    }

    /// Parses exactly one JSON value, allowing surrounding whitespace.
    public static func parse(
        _ bytes: some Collection<UInt8>,
        duplicateKeys: DuplicateKeys
    ) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError>? = bytes.withContiguousStorageIfAvailable { buffer in
            Self.parse(buffer: buffer, duplicateKeys: duplicateKeys)
        }
        if let result { return try result.get() }
        let copy = Array(bytes)
        return try copy.withUnsafeBufferPointer { Self.parse(buffer: $0, duplicateKeys: duplicateKeys) }.get()
    }

    /// Parses the UTF-8 of `text`; a duplicate key is an error.
    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try Self.parse(Array(text.utf8), duplicateKeys: .refused)
    }

    /// Parses the UTF-8 of `text`.
    public static func parse(_ text: String, duplicateKeys: DuplicateKeys) throws(JSONParseError) -> JSONValue {
        try Self.parse(Array(text.utf8), duplicateKeys: duplicateKeys)
    }

    private static func parse(
        buffer: UnsafeBufferPointer<UInt8>,
        duplicateKeys: DuplicateKeys
    ) -> Result<JSONValue, JSONParseError> {
        var reader = Reader(bytes: buffer, refusesDuplicateKeys: duplicateKeys == .refused)
        do throws(JSONParseError) {
            reader.skipWhitespace()
            let value = try reader.parseValue(depth: 0)
            reader.skipWhitespace()
            guard reader.index == buffer.count else { throw reader.error("unexpected data after the JSON value") }
            return .success(value)
        } catch {
            return .failure(error)
        }
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        let refusesDuplicateKeys: Bool
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>, refusesDuplicateKeys: Bool) {
            self.bytes = bytes
            self.refusesDuplicateKeys = refusesDuplicateKeys
        }

        func error(_ message: String) -> JSONParseError {
            JSONParseError(offset: self.index, message: message)
        }

        mutating func skipWhitespace() {
            while self.index < self.bytes.count {
                switch self.bytes[self.index] {
                case 0x20, 0x0A, 0x0D, 0x09: self.index += 1
                default: return
                }
            }
        }

        mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
            guard self.index < self.bytes.count else { throw self.error("unexpected end of input") }
            switch self.bytes[self.index] {
            case UInt8(ascii: "{"): return .object(try self.parseObject(depth: depth + 1))
            case UInt8(ascii: "["): return try self.parseArray(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try self.parseString())
            case UInt8(ascii: "t"): try self.expectLiteral("true"); return .bool(true)
            case UInt8(ascii: "f"): try self.expectLiteral("false"); return .bool(false)
            case UInt8(ascii: "n"): try self.expectLiteral("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try self.parseNumber()
            default: throw self.error("unexpected character")
            }
        }

        mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
            let count = literal.utf8CodeUnitCount
            guard self.index + count <= self.bytes.count else { throw self.error("unexpected end of input") }
            let start = literal.utf8Start
            for offset in 0..<count where self.bytes[self.index + offset] != start[offset] {
                throw self.error("invalid literal")
            }
            self.index += count
        }

        mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONObject {
            guard depth <= JSONParser.maximumDepth else { throw self.error("nesting too deep") }
            self.index += 1
            var object = JSONObject(members: [])
            object.members.reserveCapacity(8)
            self.skipWhitespace()
            if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "}") {
                self.index += 1
                return object
            }
            // Event objects are small: a linear scan finds repeats fastest; a set takes over for large objects so
            // that a hostile one with many keys stays linear in time.
            var keys: Set<String> = []
            while true {
                self.skipWhitespace()
                guard self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "\"") else {
                    throw self.error("expected a string key")
                }
                let keyOffset = self.index
                let key = try self.parseString()
                if self.refusesDuplicateKeys {
                    let repeated: Bool
                    if object.members.count < 16 {
                        repeated = object.members.contains { $0.key == key }
                    } else {
                        if keys.isEmpty { keys = Set(object.members.lazy.map(\.key)) }
                        repeated = !keys.insert(key).inserted
                    }
                    if repeated { throw Self.duplicate(key, at: keyOffset) }
                }
                self.skipWhitespace()
                guard self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: ":") else {
                    throw self.error("expected ':'")
                }
                self.index += 1
                self.skipWhitespace()
                object.append(key, try self.parseValue(depth: depth))
                self.skipWhitespace()
                guard self.index < self.bytes.count else { throw self.error("unexpected end of input") }
                let byte = self.bytes[self.index]
                self.index += 1
                if byte == UInt8(ascii: "}") { return object }
                guard byte == UInt8(ascii: ",") else { throw self.error("expected ',' or '}'") }
            }
        }

        /// Names the key the way the reader compares keys (Swift `String` equality, as ``JSONObject`` lookups do),
        /// quoting at most a prefix of it, escaped, since it is the sender's text.
        static func duplicate(_ key: String, at offset: Int) -> JSONParseError {
            let prefix = key.count > JSONParser.quotedKeyLength ? String(key.prefix(JSONParser.quotedKeyLength)) : key
            var quoted: [UInt8] = []
            JSONWriter.write(string: prefix, into: &quoted)
            if prefix.count < key.count { quoted.insert(contentsOf: "…".utf8, at: quoted.count - 1) }
            return JSONParseError(
                offset: offset,
                message: "duplicate key \(String(decoding: quoted, as: UTF8.self))",
                duplicateKey: key
            )
        }

        mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
            guard depth <= JSONParser.maximumDepth else { throw self.error("nesting too deep") }
            self.index += 1
            var elements: [JSONValue] = []
            self.skipWhitespace()
            if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "]") {
                self.index += 1
                return .array(elements)
            }
            while true {
                self.skipWhitespace()
                elements.append(try self.parseValue(depth: depth))
                self.skipWhitespace()
                guard self.index < self.bytes.count else { throw self.error("unexpected end of input") }
                let byte = self.bytes[self.index]
                self.index += 1
                if byte == UInt8(ascii: "]") { return .array(elements) }
                guard byte == UInt8(ascii: ",") else { throw self.error("expected ',' or ']'") }
            }
        }

        mutating func parseString() throws(JSONParseError) -> String {
            self.index += 1
            let start = self.index
            // Fast path: no escapes, all the bytes between the quotes are the string.
            var isASCII = true
            while self.index < self.bytes.count {
                let byte = self.bytes[self.index]
                if byte == UInt8(ascii: "\"") {
                    let slice = UnsafeBufferPointer(rebasing: self.bytes[start..<self.index])
                    self.index += 1
                    // ASCII is valid UTF-8 by construction; only other text needs the (slower) validation.
                    if isASCII { return String(decoding: slice, as: UTF8.self) }
                    guard let string = String(validating: slice, as: UTF8.self) else {
                        throw JSONParseError(offset: start, message: "string is not valid UTF-8")
                    }
                    return string
                }
                if byte == UInt8(ascii: "\\") { break }
                if byte < 0x20 { throw self.error("control character in string") }
                if byte >= 0x80 { isASCII = false }
                self.index += 1
            }
            var scratch = Array(UnsafeBufferPointer(rebasing: self.bytes[start..<self.index]))
            while self.index < self.bytes.count {
                let byte = self.bytes[self.index]
                switch byte {
                case UInt8(ascii: "\""):
                    self.index += 1
                    guard let string = String(validating: scratch, as: UTF8.self) else {
                        throw JSONParseError(offset: start, message: "string is not valid UTF-8")
                    }
                    return string
                case UInt8(ascii: "\\"):
                    self.index += 1
                    try self.parseEscape(into: &scratch)
                case 0..<0x20:
                    throw self.error("control character in string")
                default:
                    scratch.append(byte)
                    self.index += 1
                }
            }
            throw self.error("unterminated string")
        }

        mutating func parseEscape(into scratch: inout [UInt8]) throws(JSONParseError) {
            guard self.index < self.bytes.count else { throw self.error("unterminated escape") }
            let byte = self.bytes[self.index]
            self.index += 1
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(byte)
            case UInt8(ascii: "b"): scratch.append(0x08)
            case UInt8(ascii: "f"): scratch.append(0x0C)
            case UInt8(ascii: "n"): scratch.append(0x0A)
            case UInt8(ascii: "r"): scratch.append(0x0D)
            case UInt8(ascii: "t"): scratch.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = UInt32(try self.parseHex4())
                if (0xD800..<0xDC00).contains(scalar) {
                    guard self.index + 1 < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "\\"),
                        self.bytes[self.index + 1] == UInt8(ascii: "u")
                    else { throw self.error("unpaired surrogate") }
                    self.index += 2
                    let low = UInt32(try self.parseHex4())
                    guard (0xDC00..<0xE000).contains(low) else { throw self.error("unpaired surrogate") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(scalar) {
                    throw self.error("unpaired surrogate")
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw self.error("invalid unicode escape") }
                scratch.append(contentsOf: UTF8.encode(unicode)!)
            default:
                throw self.error("invalid escape")
            }
        }

        mutating func parseHex4() throws(JSONParseError) -> UInt16 {
            guard self.index + 4 <= self.bytes.count else { throw self.error("truncated unicode escape") }
            var value: UInt16 = 0
            for _ in 0..<4 {
                let byte = self.bytes[self.index]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw self.error("invalid hex digit")
                }
                value = value << 4 | UInt16(digit)
                self.index += 1
            }
            return value
        }

        /// An integer that fits `Int` stays exact; any other number is a binary64 (rounded, and 0 when it
        /// underflows); one beyond binary64's range is kept as written (``JSONValue/outOfRangeNumber(_:)``) rather
        /// than refusing the document, which may only carry it in a field nobody reads.
        mutating func parseNumber() throws(JSONParseError) -> JSONValue {
            let start = self.index
            var isInteger = true
            if self.bytes[self.index] == UInt8(ascii: "-") { self.index += 1 }
            guard self.index < self.bytes.count else { throw self.error("truncated number") }
            if self.bytes[self.index] == UInt8(ascii: "0") {
                self.index += 1
            } else if self.consumeDigits() == 0 {
                throw self.error("invalid number")
            }
            if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: ".") {
                isInteger = false
                self.index += 1
                guard self.consumeDigits() > 0 else { throw self.error("invalid number") }
            }
            if self.index < self.bytes.count, self.bytes[self.index] | 0x20 == UInt8(ascii: "e") {
                isInteger = false
                self.index += 1
                if self.index < self.bytes.count,
                    self.bytes[self.index] == UInt8(ascii: "+") || self.bytes[self.index] == UInt8(ascii: "-")
                {
                    self.index += 1
                }
                guard self.consumeDigits() > 0 else { throw self.error("invalid number") }
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: self.bytes[start..<self.index]), as: UTF8.self)
            if isInteger, let integer = Int(text) { return .number(.integer(integer)) }
            guard let double = Double(text) else { throw JSONParseError(offset: start, message: "invalid number") }
            return double.isFinite ? .number(.decimal(double)) : .outOfRangeNumber(text)
        }

        mutating func consumeDigits() -> Int {
            let start = self.index
            while self.index < self.bytes.count,
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self.bytes[self.index])
            {
                self.index += 1
            }
            return self.index - start
        }
    }
}
