public import Logging

/// Makes text safe to put on a log line: patient ids, topic names, reasons and errors come from messages and
/// files, and a newline in one would forge a line of its own.
///
/// Escaped: the backslash (so an escape in the input cannot pass for one of ours), every control character (C0, DEL
/// and C1, such as the terminal escape introducer U+009B), the Unicode line and paragraph separators, and the
/// bidirectional controls that can make a line read differently from what it holds. `\n`, `\r` and `\t` are written
/// as such; the others as `\u{hex}`.
public enum LogEscaping {
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: Self.needsEscaping) else { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where Self.needsEscaping(scalar): result += "\\u{\(String(scalar.value, radix: 16))}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    public static func escaped(_ value: Logger.MetadataValue) -> Logger.MetadataValue {
        switch value {
        case .string(let text): .string(Self.escaped(text))
        case .stringConvertible(let convertible): .string(Self.escaped(convertible.description))
        case .dictionary(let metadata): .dictionary(Self.escaped(metadata))
        case .array(let values): .array(values.map(Self.escaped))
        }
    }

    public static func escaped(_ metadata: Logger.Metadata) -> Logger.Metadata {
        var result: Logger.Metadata = [:]
        for (key, value) in metadata { result[Self.escaped(key)] = Self.escaped(value) }
        return result
    }

    static func needsEscaping(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x5C, 0x7F...0x9F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }
}
