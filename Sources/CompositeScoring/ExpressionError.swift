/// A problem in an expression, found while reading or checking it at load time.
struct ExpressionError: Error, Sendable, Equatable {
    /// 1-based column in the expression text; 0 when the problem concerns the whole expression.
    let column: Int
    let problem: String

    /// The problem with its position, as it appears in a ``ScorerLoadError`` message.
    var message: String {
        self.column > 0 ? "\(self.problem) (column \(self.column) of the expression)" : self.problem
    }
}
