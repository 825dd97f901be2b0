import CompositeCore

extension NumericValue {
    /// The value as written in messages: integers plainly, decimals in their shortest exact form (`4.5`, `5.0`).
    var formatted: String {
        switch self {
        case .integer(let value): String(value)
        case .decimal(let value): String(value)
        }
    }

    /// A bound or range end as written in messages: `75` rather than `75.0` when the bound is whole.
    static func formatted(bound: Double) -> String {
        if bound.isFinite, bound.rounded(.towardZero) == bound, abs(bound) <= 9_007_199_254_740_992 {
            return String(Int(bound))
        }
        return String(bound)
    }
}
