import CompositeCore
import Foundation
public import Logging

/// One JSON object per log line on standard error: `time`, `level`, `label`, `message` and the metadata.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let label: String

    public init(label: String) {
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var object = JSONObject()
        object.append(
            "time",
            .string(Timestamp(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1_000)).description)
        )
        object.append("level", .string(event.level.rawValue))
        object.append("label", .string(self.label))
        object.append("message", .string(event.message.description))
        let merged = self.metadata.merging(event.metadata ?? [:]) { _, new in new }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) { object.append(key, .string(value.description)) }
        FileHandle.standardError.write(Data((JSONWriter.string(.object(object)) + "\n").utf8))
    }
}
