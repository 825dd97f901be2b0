import CompositeCore
import Foundation
public import Logging

/// One JSON object per log line on standard error: `time`, `level`, `label`, `message` and the metadata.
///
/// Strings are written with every control character escaped (C0, DEL, C1, the line and paragraph separators and the
/// bidirectional controls, as `\u` escapes), so one log line is always one line and shows what it holds.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let label: String
    private let stream: (any TextOutputStream & Sendable)?

    /// - Parameter stream: where lines go; standard error when `nil`.
    public init(label: String, stream: (any TextOutputStream & Sendable)? = nil) {
        self.label = label
        self.stream = stream
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var members: [(String, String)] = [
            ("time", Timestamp(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1_000)).description),
            ("level", event.level.rawValue),
            ("label", self.label),
            ("message", event.message.description),
        ]
        let merged = self.metadata.merging(event.metadata ?? [:]) { _, new in new }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) { members.append((key, value.description)) }
        var line = "{"
        for (offset, (key, value)) in members.enumerated() {
            if offset > 0 { line += "," }
            line += Self.string(key) + ":" + Self.string(value)
        }
        line += "}\n"
        if var stream = self.stream {
            stream.write(line)
        } else {
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    /// A JSON string literal of `text`.
    static func string(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where LogEscaping.needsEscaping(scalar):
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
