public import CompositeCore

/// One line of a fixture stream: a broker message in the order a single consumer would read it.
public struct FixtureMessage: Sendable, Hashable {
    /// Full topic name (`persistent://…`), normalised from the short form.
    public var topic: String
    public var publishTime: Timestamp
    public var payload: [UInt8]
    public var key: String?
    public var file: String
    public var line: Int

    public init(topic: String, publishTime: Timestamp, payload: [UInt8], key: String?, file: String, line: Int) {
        self.topic = topic
        self.publishTime = publishTime
        self.payload = payload
        self.key = key
        self.file = file
        self.line = line
    }
}

/// Reads fixture files (`fixtures/*.jsonl`) as contract `replay.md` defines them.
public enum FixtureReader {
    /// The first line's time when it gives none.
    public static let defaultStart = Timestamp(iso8601: "2000-01-01T00:00:00.000Z")!

    /// Parses `contents`; `previousTime` carries the implicit clock across files (the next line is +1 ms).
    public static func read(
        contents: String,
        fileName: String,
        previousTime: Timestamp? = nil
    ) throws(ServiceError) -> [FixtureMessage] {
        var contents = contents
        // Lines are cut at the newline byte: splitting the `String` walked grapheme clusters and cost more than the
        // whole replay after it (and never cut a CRLF line, since "\r\n" is one `Character`).
        let result = contents.withUTF8 { bytes in
            Result { () throws(ServiceError) in
                try Self.read(utf8: bytes, fileName: fileName, previousTime: previousTime)
            }
        }
        return try result.get()
    }

    static func read(
        utf8 contents: UnsafeBufferPointer<UInt8>,
        fileName: String,
        previousTime: Timestamp?
    ) throws(ServiceError) -> [FixtureMessage] {
        var messages: [FixtureMessage] = []
        var previous = previousTime
        // A stream names few topics: each is checked and normalised once.
        var fullNames: [String: String] = [:]
        var lineNumber = 0
        var start = contents.startIndex
        while start < contents.endIndex {
            let end = contents[start...].firstIndex(of: UInt8(ascii: "\n")) ?? contents.endIndex
            let line = UnsafeBufferPointer(rebasing: contents[start..<end])
            start = end == contents.endIndex ? end : end + 1
            lineNumber += 1
            guard !Self.isBlank(line) else { continue }
            func fail(_ message: String) -> ServiceError {
                ServiceError(.invalidInput, file: fileName, line: lineNumber, message)
            }
            let value: JSONValue
            do {
                value = try JSONParser.parse(line)
            } catch {
                throw fail("not JSON: \(error)")
            }
            guard case .object(let object) = value else { throw fail("a fixture line must be a JSON object") }
            guard let topicName = object["topic"]?.stringValue else { throw fail("topic: expected a string") }
            let fullName: String
            if let known = fullNames[topicName] {
                fullName = known
            } else {
                guard let topic = TenantTopic(topicName) else {
                    throw fail(
                        "topic: \"\(topicName)\" is not a tenant topic (P/tasks/T-events or P/experiments/T-events)"
                    )
                }
                fullName = topic.fullName
                fullNames[topicName] = fullName
            }
            let payload: [UInt8]
            switch (object["message"], object["raw"]) {
            case (let message?, nil): payload = JSONWriter.encode(message)
            case (nil, .string(let raw)?): payload = Array(raw.utf8)
            case (nil, _?): throw fail("raw: expected a string")
            case (nil, nil): throw fail("one of message or raw is required")
            case (_?, _?): throw fail("message and raw are exclusive; give one")
            }
            let time: Timestamp
            switch object["publishTime"] {
            case .string(let text)?:
                guard let parsed = Timestamp(iso8601: text) else {
                    throw fail("publishTime: \"\(text)\" is not an ISO 8601 timestamp")
                }
                time = parsed
            case nil:
                time = previous?.adding(milliseconds: 1) ?? Self.defaultStart
            default:
                throw fail("publishTime: expected a string")
            }
            var key: String?
            switch object["key"] {
            case .string(let text)?: key = text
            case nil, .null?: key = nil
            default: throw fail("key: expected a string")
            }
            previous = time
            messages.append(
                FixtureMessage(
                    topic: fullName,
                    publishTime: time,
                    payload: payload,
                    key: key,
                    file: fileName,
                    line: lineNumber
                )
            )
        }
        return messages
    }

    /// Whether a line holds only whitespace (Unicode's, as a `Character` sees it); ASCII lines are checked bytewise.
    static func isBlank(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        var nonASCII = false
        for byte in line {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), 0x0B, 0x0C: continue
            case 0x80...: nonASCII = true
            default: return false
            }
        }
        return !nonASCII || String(decoding: line, as: UTF8.self).allSatisfy(\.isWhitespace)
    }
}
