/// One value a scorer reads: a component feature's score or a patient attribute, with its type and valid range.
public struct ScorerInput: Sendable, Hashable {
    /// Where the value of an input comes from.
    public enum Source: Sendable, Hashable {
        /// The score of a component feature (for example `Katz-ADL`).
        case feature(String)
        /// A patient attribute (for example `age`).
        case attribute(String)
    }

    /// What kind of number an input must be.
    public enum ValueType: String, Sendable, Hashable {
        /// A whole number; `5.0` counts as `5`, `4.5` is refused.
        case integer
        /// Any finite number.
        case number
    }

    /// The id the scorer's expressions and bands use for this input (for example `adl`).
    public let id: String
    /// The feature or attribute the value is taken from.
    public let source: Source
    /// Whether the value must be a whole number.
    public let type: ValueType
    /// The inclusive valid range; `nil` when the file declares none.
    public let range: ClosedRange<Double>?
}
