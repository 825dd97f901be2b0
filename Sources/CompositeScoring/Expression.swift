import CompositeCore

/// A parsed, name-resolved expression from a scorer file.
///
/// Names are bound to value slots at load time, so evaluation never looks anything up by name. Chains of operators of
/// the same precedence are kept flat (`a + b - c` is one ``Kind/arithmetic(_:_:)``), which keeps the tree's depth
/// proportional to the nesting the author wrote rather than to the expression's length.
struct Expression: Sendable {
    indirect enum Kind: Sendable {
        case literal(NumericValue)
        /// An input or an earlier point, by its index in the scorer's value slots.
        case variable(slot: Int, name: String)
        case negate(Expression)
        case not(Expression)
        /// `first op₁ operand₁ op₂ operand₂ …`, left to right, all of one precedence level.
        case arithmetic(Expression, [ArithmeticStep])
        case comparison(ComparisonOperator, Expression, Expression)
        /// `a and b and c` or `a or b or c`; evaluation stops at the first operand that decides the result.
        case logical(LogicalOperator, [Expression])
        case call(ExpressionFunction, [Expression])
    }

    enum ArithmeticOperator: String, Sendable {
        case add = "+"
        case subtract = "-"
        case multiply = "*"
        case divide = "/"
    }

    enum ComparisonOperator: String, Sendable {
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
        case equal = "=="
        case notEqual = "!="
    }

    enum LogicalOperator: String, Sendable {
        case and
        case or
    }

    /// One `op operand` link of an arithmetic chain; `column` is the operator's, for error messages.
    struct ArithmeticStep: Sendable {
        let operation: ArithmeticOperator
        let operand: Expression
        let column: Int
    }

    let kind: Kind
    /// 1-based column in the expression text where this node starts; 0 for expressions the loader synthesised.
    let column: Int

    /// The sum of the given slots, used as the score when a file gives no `score` expression.
    static func sum(of slots: [(slot: Int, name: String)]) -> Expression? {
        guard let first = slots.first else { return nil }
        let firstTerm = Expression(kind: .variable(slot: first.slot, name: first.name), column: 0)
        let steps = slots.dropFirst().map { slot in
            ArithmeticStep(
                operation: .add,
                operand: Expression(kind: .variable(slot: slot.slot, name: slot.name), column: 0),
                column: 0
            )
        }
        return steps.isEmpty ? firstTerm : Expression(kind: .arithmetic(firstTerm, steps), column: 0)
    }
}
