/// Checks an expression's types at load time and estimates the range of its values.
///
/// Booleans are not numbers: only comparisons, `and`, `or`, `not` and `if` make them, and no name holds one, so every
/// type mistake is found here, before any patient is scored.
struct ExpressionAnalyzer {
    enum ValueType: Sendable, Equatable {
        case number(NumericDomain)
        case condition
    }

    /// The domain of each value slot (inputs, then points), as the scope numbers them.
    let slotDomains: [NumericDomain]

    /// The domain of an expression that must give a number, such as a points or score expression.
    func numberDomain(of expression: Expression, role: String) throws(ExpressionError) -> NumericDomain {
        switch try self.type(of: expression) {
        case .number(let domain):
            return domain
        case .condition:
            throw ExpressionError(
                column: expression.column,
                problem: "\(role) must be a number, but this is a condition (true or false); "
                    + "use if(condition, a, b) to turn it into a number"
            )
        }
    }

    private func condition(_ expression: Expression, role: String) throws(ExpressionError) {
        guard case .number = try self.type(of: expression) else { return }
        throw ExpressionError(
            column: expression.column,
            problem: "\(role) must be a condition such as adl <= 4, but this is a number"
        )
    }

    func type(of expression: Expression) throws(ExpressionError) -> ValueType {
        switch expression.kind {
        case .literal(let value):
            return .number(NumericDomain(exactly: value))
        case .variable(let slot, _):
            return .number(self.slotDomains[slot])
        case .negate(let operand):
            return .number(try self.numberDomain(of: operand, role: "the value after -").negated)
        case .not(let operand):
            try self.condition(operand, role: "the value after not")
            return .condition
        case .arithmetic(let first, let steps):
            let role = "each side of \(steps[0].operation.rawValue)"
            var domain = try self.numberDomain(of: first, role: role)
            for step in steps {
                let operand = try self.numberDomain(of: step.operand, role: "each side of \(step.operation.rawValue)")
                domain = domain.combined(step.operation, operand)
            }
            return .number(domain)
        case .comparison(let operation, let left, let right):
            try self.comparison(operation, left, right)
            return .condition
        case .logical(let operation, let operands):
            for operand in operands {
                try self.condition(operand, role: "each side of \(operation.rawValue)")
            }
            return .condition
        case .call(let function, let arguments):
            return try self.call(function, arguments)
        }
    }

    private func comparison(
        _ operation: Expression.ComparisonOperator,
        _ left: Expression,
        _ right: Expression
    ) throws(ExpressionError) {
        switch operation {
        case .equal, .notEqual:
            let leftType = try self.type(of: left)
            let rightType = try self.type(of: right)
            switch (leftType, rightType) {
            case (.number, .number), (.condition, .condition):
                return
            default:
                throw ExpressionError(
                    column: left.column,
                    problem: "\(operation.rawValue) compares a number with a condition; both sides must be of one kind"
                )
            }
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            _ = try self.numberDomain(of: left, role: "each side of \(operation.rawValue)")
            _ = try self.numberDomain(of: right, role: "each side of \(operation.rawValue)")
        }
    }

    private func call(_ function: ExpressionFunction, _ arguments: [Expression]) throws(ExpressionError) -> ValueType {
        switch function {
        case .if:
            try self.condition(arguments[0], role: "the first argument of if")
            switch (try self.type(of: arguments[1]), try self.type(of: arguments[2])) {
            case (.number(let whenTrue), .number(let whenFalse)):
                return .number(whenTrue.union(whenFalse))
            case (.condition, .condition):
                return .condition
            default:
                throw ExpressionError(
                    column: arguments[1].column,
                    problem: "the second and third arguments of if must both be numbers (or both be conditions)"
                )
            }
        case .min, .max:
            var domains: [NumericDomain] = []
            for argument in arguments {
                domains.append(try self.numberDomain(of: argument, role: "each argument of \(function.rawValue)"))
            }
            return .number(NumericDomain.extreme(domains, smallest: function == .min))
        case .abs, .round, .floor, .ceil:
            let domain = try self.numberDomain(of: arguments[0], role: "the argument of \(function.rawValue)")
            switch function {
            case .round: return .number(domain.rounded(.toNearestOrAwayFromZero))
            case .floor: return .number(domain.rounded(.down))
            case .ceil: return .number(domain.rounded(.up))
            default: return .number(domain.absolute)
            }
        }
    }
}
