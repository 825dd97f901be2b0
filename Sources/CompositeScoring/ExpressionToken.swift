import CompositeCore

/// One lexical unit of an expression, with its 1-based column.
struct ExpressionToken: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case number(NumericValue)
        case identifier(String)
        case plus, minus, star, slash
        case leftParenthesis, rightParenthesis, comma
        case less, lessOrEqual, greater, greaterOrEqual, equal, notEqual
        case and, or, not
        case end
    }

    let kind: Kind
    let column: Int
    /// The token as written, for messages such as `unexpected ")"`.
    let text: String
}
