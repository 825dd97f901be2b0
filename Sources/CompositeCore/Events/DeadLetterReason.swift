/// Why a message was dead-lettered: one sentence, attached to the dead letter as its `reason`.
///
/// Reasons quote sender-controlled text (a version, a tenant, a timestamp), so they are bounded: a quote shows at
/// most ``quotedLimit`` bytes, and a whole reason at most ``limit`` bytes. A megabyte `version` field must not become
/// a megabyte message property and log line (contract `events.md`, dead letters).
public struct DeadLetterReason: Error, Sendable, Hashable, CustomStringConvertible {
    /// The most bytes of sender text a reason quotes.
    public static let quotedLimit = 64
    /// The most bytes a reason has.
    public static let limit = 512

    public var message: String

    public init(_ message: String) {
        self.message = Self.truncated(message, to: Self.limit)
    }

    public var description: String { self.message }

    /// `text` in double quotes, cut to ``quotedLimit`` bytes (on a character boundary) with `…` when longer.
    public static func quote(_ text: String) -> String {
        "\"\(Self.truncated(text, to: Self.quotedLimit))\""
    }

    static func truncated(_ text: String, to limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var kept = ""
        var bytes = 0
        for character in text {
            let size = character.utf8.count
            guard bytes + size <= limit else { break }
            kept.append(character)
            bytes += size
        }
        return kept + "… (\(text.utf8.count) bytes)"
    }
}
