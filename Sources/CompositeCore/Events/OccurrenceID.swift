/// A task occurrence id. Today's traffic sends integers; strings are accepted too and `1` equals `"1"`.
public struct OccurrenceID: Sendable, Hashable, CustomStringConvertible {
    /// The id as text: the decimal digits for an integer id.
    public let text: String

    public init(_ text: String) {
        self.text = text
    }

    /// Reads an id from JSON: an integer, an integral number, or a string.
    public init?(json: JSONValue) {
        switch json {
        case .number(let number):
            guard let integer = number.exactInteger else { return nil }
            self.text = String(integer)
        case .string(let string) where !string.isEmpty:
            self.text = string
        default:
            return nil
        }
    }

    /// The id as published: a JSON integer when it is one, else a string.
    public var json: JSONValue {
        if let integer = Int(self.text), String(integer) == self.text { return .number(.integer(integer)) }
        return .string(self.text)
    }

    public var description: String { self.text }
}
