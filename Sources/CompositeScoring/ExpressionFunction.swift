/// The built-in functions of the expression language; there are no others and no user-defined ones.
enum ExpressionFunction: String, Sendable, CaseIterable {
    case min
    case max
    case abs
    case round
    case floor
    case ceil
    case `if`

    /// The number of arguments accepted, as a closed range (`min` and `max` take two or more).
    var arity: ClosedRange<Int> {
        switch self {
        case .min, .max: 2...Int.max
        case .abs, .round, .floor, .ceil: 1...1
        case .if: 3...3
        }
    }

    /// How the accepted arguments are described in messages.
    var aritySummary: String {
        switch self {
        case .min, .max: "two or more numbers"
        case .abs, .round, .floor, .ceil: "exactly one number"
        case .if: "three arguments: a condition, the value when true, the value when false"
        }
    }
}
