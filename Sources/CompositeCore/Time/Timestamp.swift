/// An instant as milliseconds since 1970-01-01T00:00:00Z, the resolution of broker publish times.
///
/// The engine never reads a clock: every `Timestamp` it sees came from a message or from its caller.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var millisecondsSinceEpoch: Int64

    public init(millisecondsSinceEpoch: Int64) {
        self.millisecondsSinceEpoch = millisecondsSinceEpoch
    }

    /// Later than every real instant: the watermark of a topic that has been read to its end.
    public static let distantFuture = Timestamp(millisecondsSinceEpoch: .max)
    /// Earlier than every real instant: the watermark of a topic nothing has been read from.
    public static let distantPast = Timestamp(millisecondsSinceEpoch: .min)

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch
    }

    /// `self` moved by `milliseconds`, saturating at the ends instead of overflowing.
    public func adding(milliseconds: Int64) -> Timestamp {
        let (sum, overflow) = self.millisecondsSinceEpoch.addingReportingOverflow(milliseconds)
        if overflow { return milliseconds > 0 ? .distantFuture : .distantPast }
        return Timestamp(millisecondsSinceEpoch: sum)
    }

    /// The calendar date (proleptic Gregorian, UTC) this instant falls on.
    public var civilDate: CivilDate {
        CivilDate(daysSinceEpoch: self.dayAndMilliseconds.day)
    }

    /// The day since the epoch this instant falls on and the milliseconds since that day's start, rounding towards
    /// the past. Division with a remainder rather than subtracting a day's length first, so that no instant of the
    /// whole `Int64` range (times come from messages) overflows.
    var dayAndMilliseconds: (day: Int64, within: Int64) {
        let (quotient, remainder) = self.millisecondsSinceEpoch.quotientAndRemainder(dividingBy: 86_400_000)
        return remainder < 0 ? (quotient - 1, remainder + 86_400_000) : (quotient, remainder)
    }

    /// ISO 8601 in UTC with milliseconds, the platform's own format: `2023-10-13T08:51:55.206Z`.
    public var description: String {
        if self == .distantFuture { return "+infinity" }
        if self == .distantPast { return "-infinity" }
        let (day, within) = self.dayAndMilliseconds
        let date = CivilDate(daysSinceEpoch: day)
        let hours = within / 3_600_000
        let minutes = within / 60_000 % 60
        let seconds = within / 1_000 % 60
        let millis = within % 1_000
        return "\(date)T\(Self.pad(hours, 2)):\(Self.pad(minutes, 2)):\(Self.pad(seconds, 2)).\(Self.pad(millis, 3))Z"
    }

    static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// Parses ISO 8601 / RFC 3339 date-times: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
    /// Fractions beyond milliseconds are truncated. Returns `nil` for anything else.
    public init?(iso8601 text: String) {
        var text = text
        guard let parsed = text.withUTF8({ Self.parse($0) }) else { return nil }
        self = parsed
    }

    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        var index = 0
        func number(_ width: Int) -> Int? {
            guard index + width <= bytes.count else { return nil }
            var value = 0
            for _ in 0..<width {
                let byte = bytes[index]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                index += 1
            }
            return value
        }
        func expect(_ character: Character) -> Bool {
            guard index < bytes.count, bytes[index] == character.asciiValue! else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2) else {
            return nil
        }
        guard index < bytes.count, bytes[index] == UInt8(ascii: "T") || bytes[index] == UInt8(ascii: "t") else {
            return nil
        }
        index += 1
        guard let hour = number(2), expect(":"), let minute = number(2), expect(":"), let second = number(2) else {
            return nil
        }
        var millis = 0
        if expect(".") {
            var digits = 0
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                if digits < 3 { millis = millis * 10 + Int(bytes[index] - UInt8(ascii: "0")) }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 3) { millis *= 10 }
        }
        var offsetMinutes = 0
        guard index < bytes.count else { return nil }
        if bytes[index] == UInt8(ascii: "Z") || bytes[index] == UInt8(ascii: "z") {
            index += 1
        } else if bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
            index += 1
            guard let offsetHours = number(2), expect(":"), let offsetMins = number(2), offsetHours < 24,
                offsetMins < 60
            else { return nil }
            offsetMinutes = sign * (offsetHours * 60 + offsetMins)
        } else {
            return nil
        }
        guard index == bytes.count, hour < 24, minute < 60, second < 61,
            let date = CivilDate(year: year, month: month, day: day)
        else { return nil }
        let seconds =
            Int64(date.daysSinceEpoch) * 86_400 + Int64(hour * 3_600 + minute * 60 + min(second, 59))
            - Int64(offsetMinutes * 60)
        return Timestamp(millisecondsSinceEpoch: seconds * 1_000 + Int64(millis))
    }
}
