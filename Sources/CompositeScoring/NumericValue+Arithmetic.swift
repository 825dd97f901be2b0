import CompositeCore

/// Exact integer arithmetic while both sides are integers, binary64 otherwise; failures are errors, never wrap-around.
extension NumericValue {
    static func apply(
        _ operation: Expression.ArithmeticOperator,
        _ lhs: NumericValue,
        _ rhs: NumericValue,
        column: Int
    ) throws(EvaluationError) -> NumericValue {
        if case .integer(let left) = lhs, case .integer(let right) = rhs {
            let result: (partialValue: Int, overflow: Bool)
            switch operation {
            case .add: result = left.addingReportingOverflow(right)
            case .subtract: result = left.subtractingReportingOverflow(right)
            case .multiply: result = left.multipliedReportingOverflow(by: right)
            case .divide: return try Self.divide(left, right, column: column)
            }
            guard !result.overflow else { throw EvaluationError(reason: .integerOverflow, column: column) }
            return .integer(result.partialValue)
        }
        let left = lhs.doubleValue
        let right = rhs.doubleValue
        let result: Double
        switch operation {
        case .add: result = left + right
        case .subtract: result = left - right
        case .multiply: result = left * right
        case .divide:
            guard right != 0 else { throw EvaluationError(reason: .divisionByZero, column: column) }
            result = left / right
        }
        return try Self.finite(result, column: column)
    }

    /// An integer quotient when the division is exact, a decimal otherwise (`7 / 2` is `3.5`, `6 / 2` is `3`).
    private static func divide(_ left: Int, _ right: Int, column: Int) throws(EvaluationError) -> NumericValue {
        guard right != 0 else { throw EvaluationError(reason: .divisionByZero, column: column) }
        let quotient = left.dividedReportingOverflow(by: right)
        guard !quotient.overflow else { throw EvaluationError(reason: .integerOverflow, column: column) }
        if left.remainderReportingOverflow(dividingBy: right).partialValue == 0 {
            return .integer(quotient.partialValue)
        }
        return try Self.finite(Double(left) / Double(right), column: column)
    }

    func negated(column: Int) throws(EvaluationError) -> NumericValue {
        switch self {
        case .integer(let value):
            let result = 0.subtractingReportingOverflow(value)
            guard !result.overflow else { throw EvaluationError(reason: .integerOverflow, column: column) }
            return .integer(result.partialValue)
        case .decimal(let value):
            return .decimal(-value)
        }
    }

    func absolute(column: Int) throws(EvaluationError) -> NumericValue {
        switch self {
        case .integer(let value) where value < 0: try self.negated(column: column)
        case .integer: self
        case .decimal(let value): .decimal(Swift.abs(value))
        }
    }

    /// A whole number, as an integer; `rule` decides where halves and fractions go.
    func rounded(_ rule: FloatingPointRoundingRule, column: Int) throws(EvaluationError) -> NumericValue {
        switch self {
        case .integer:
            return self
        case .decimal(let value):
            guard let integer = Int(exactly: value.rounded(rule)) else {
                throw EvaluationError(reason: .integerOverflow, column: column)
            }
            return .integer(integer)
        }
    }

    /// Orders two values exactly when both are integers.
    static func compare(_ lhs: NumericValue, _ rhs: NumericValue) -> Int {
        if case .integer(let left) = lhs, case .integer(let right) = rhs {
            return left < right ? -1 : (left > right ? 1 : 0)
        }
        let left = lhs.doubleValue
        let right = rhs.doubleValue
        return left < right ? -1 : (left > right ? 1 : 0)
    }

    private static func finite(_ value: Double, column: Int) throws(EvaluationError) -> NumericValue {
        guard value.isFinite else { throw EvaluationError(reason: .notFinite, column: column) }
        return .decimal(value)
    }
}
