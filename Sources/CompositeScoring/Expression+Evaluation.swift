import CompositeCore

extension Expression {
    /// The number this expression gives for one patient; `values` holds the inputs, then the points computed so far.
    ///
    /// Evaluation recurses only as deep as the author nested the expression, which the parser limits.
    func number(in values: [NumericValue]) throws(EvaluationError) -> NumericValue {
        switch self.kind {
        case .literal(let value):
            return value
        case .variable(let slot, _):
            return values[slot]
        case .negate(let operand):
            return try operand.number(in: values).negated(column: self.column)
        case .arithmetic(let first, let steps):
            var result = try first.number(in: values)
            for step in steps {
                let operand = try step.operand.number(in: values)
                result = try NumericValue.apply(step.operation, result, operand, column: step.column)
            }
            return result
        case .call(let function, let arguments):
            return try self.callNumber(function, arguments, in: values)
        case .not, .comparison, .logical:
            throw EvaluationError(reason: .typeMismatch, column: self.column)
        }
    }

    /// Whether this condition holds for one patient; `and`, `or` and `if` evaluate only what decides the result, so
    /// `x != 0 and y / x > 1` never divides by zero.
    func condition(in values: [NumericValue]) throws(EvaluationError) -> Bool {
        switch self.kind {
        case .not(let operand):
            return !(try operand.condition(in: values))
        case .logical(.and, let operands):
            for operand in operands {
                if !(try operand.condition(in: values)) { return false }
            }
            return true
        case .logical(.or, let operands):
            for operand in operands {
                if try operand.condition(in: values) { return true }
            }
            return false
        case .comparison(let operation, let left, let right):
            return try Self.compare(operation, left, right, in: values)
        case .call(.if, let arguments):
            let chosen = try arguments[0].condition(in: values) ? arguments[1] : arguments[2]
            return try chosen.condition(in: values)
        case .literal, .variable, .negate, .arithmetic, .call:
            throw EvaluationError(reason: .typeMismatch, column: self.column)
        }
    }

    private static func compare(
        _ operation: ComparisonOperator,
        _ left: Expression,
        _ right: Expression,
        in values: [NumericValue]
    ) throws(EvaluationError) -> Bool {
        if operation == .equal || operation == .notEqual, left.givesCondition {
            let equal = try left.condition(in: values) == right.condition(in: values)
            return operation == .equal ? equal : !equal
        }
        let order = NumericValue.compare(try left.number(in: values), try right.number(in: values))
        switch operation {
        case .less: return order < 0
        case .lessOrEqual: return order <= 0
        case .greater: return order > 0
        case .greaterOrEqual: return order >= 0
        case .equal: return order == 0
        case .notEqual: return order != 0
        }
    }

    private func callNumber(
        _ function: ExpressionFunction,
        _ arguments: [Expression],
        in values: [NumericValue]
    ) throws(EvaluationError) -> NumericValue {
        switch function {
        case .if:
            let chosen = try arguments[0].condition(in: values) ? arguments[1] : arguments[2]
            return try chosen.number(in: values)
        case .min, .max:
            // Ties keep the first argument, so the result's integer-ness follows what the author wrote first.
            var best = try arguments[0].number(in: values)
            for argument in arguments.dropFirst() {
                let candidate = try argument.number(in: values)
                let order = NumericValue.compare(candidate, best)
                if function == .min ? order < 0 : order > 0 {
                    best = candidate
                }
            }
            return best
        case .abs:
            return try arguments[0].number(in: values).absolute(column: self.column)
        case .round:
            return try arguments[0].number(in: values).rounded(.toNearestOrAwayFromZero, column: self.column)
        case .floor:
            return try arguments[0].number(in: values).rounded(.down, column: self.column)
        case .ceil:
            return try arguments[0].number(in: values).rounded(.up, column: self.column)
        }
    }

    /// Whether this node yields a condition rather than a number; the analyser has already made both sides agree.
    private var givesCondition: Bool {
        switch self.kind {
        case .not, .comparison, .logical: true
        case .call(.if, let arguments): arguments[1].givesCondition
        case .literal, .variable, .negate, .arithmetic, .call: false
        }
    }
}
