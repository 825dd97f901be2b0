/// Why an expression gave no value for one patient; the scorer turns it into a rejection.
struct EvaluationError: Error, Sendable, Equatable {
    enum Reason: Sendable, Equatable {
        case integerOverflow
        case divisionByZero
        case notFinite
        /// Cannot happen after ``ExpressionAnalyzer`` accepted the expression; kept so evaluation never traps.
        case typeMismatch
    }

    let reason: Reason
    /// 1-based column of the operation in the expression text; 0 for synthesised expressions.
    let column: Int

    /// A clause such as `integer overflow at column 7 of the expression`.
    var explanation: String {
        let what =
            switch self.reason {
            case .integerOverflow: "the result is too large for exact integer arithmetic"
            case .divisionByZero: "division by zero"
            case .notFinite: "the result is too large to be represented"
            case .typeMismatch: "a condition was used where a number was needed"
            }
        return self.column > 0 ? "\(what) (column \(self.column) of the expression)" : what
    }
}
