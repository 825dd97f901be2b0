import CompositeCore

/// Reads expression text into a name-resolved ``Expression``.
///
/// Grammar, loosest binding first:
/// ```
/// expression := and ("or" and)*
/// and        := not ("and" not)*
/// not        := "not" not | comparison
/// comparison := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum)?
/// sum        := product (("+" | "-") product)*
/// product    := unary (("*" | "/") unary)*
/// unary      := "-" unary | primary
/// primary    := number | name | function "(" expression ("," expression)* ")" | "(" expression ")"
/// ```
/// Length and nesting are limited so that neither reading nor evaluating an expression can run away.
struct ExpressionParser {
    static let maximumLength = 4096
    static let maximumDepth = 64

    private let tokens: [ExpressionToken]
    private let scope: ExpressionScope
    private var index = 0
    private var depth = 0

    private init(tokens: [ExpressionToken], scope: ExpressionScope) {
        self.tokens = tokens
        self.scope = scope
    }

    /// Parses `text`, resolving every name against `scope`.
    static func parse(_ text: String, scope: ExpressionScope) throws(ExpressionError) -> Expression {
        guard text.count <= Self.maximumLength else {
            throw ExpressionError(
                column: 0,
                problem: "the expression is \(text.count) characters long; at most \(Self.maximumLength) are allowed"
            )
        }
        let tokens = try ExpressionLexer.tokens(in: text)
        guard tokens.count > 1 else {
            throw ExpressionError(column: 0, problem: "the expression is empty")
        }
        var parser = ExpressionParser(tokens: tokens, scope: scope)
        let expression = try parser.parseOr()
        let trailing = parser.current
        guard trailing.kind == .end else {
            throw ExpressionError(
                column: trailing.column,
                problem: "unexpected \"\(trailing.text)\"; an operator such as +, <= or and was expected here"
            )
        }
        return expression
    }

    private var current: ExpressionToken { self.tokens[self.index] }

    @discardableResult
    private mutating func advance() -> ExpressionToken {
        let token = self.tokens[self.index]
        if token.kind != .end {
            self.index += 1
        }
        return token
    }

    /// Counts one level of nesting (parentheses, function calls, `-`, `not`), refusing past the limit.
    private mutating func enter(at token: ExpressionToken) throws(ExpressionError) {
        self.depth += 1
        guard self.depth <= Self.maximumDepth else {
            throw ExpressionError(
                column: token.column,
                problem: "the expression is nested too deeply (more than \(Self.maximumDepth) levels)"
            )
        }
    }

    private mutating func leave() {
        self.depth -= 1
    }

    private mutating func parseOr() throws(ExpressionError) -> Expression {
        let first = try self.parseAnd()
        var operands = [first]
        while self.current.kind == .or {
            self.advance()
            operands.append(try self.parseAnd())
        }
        return operands.count == 1 ? first : Expression(kind: .logical(.or, operands), column: first.column)
    }

    private mutating func parseAnd() throws(ExpressionError) -> Expression {
        let first = try self.parseNot()
        var operands = [first]
        while self.current.kind == .and {
            self.advance()
            operands.append(try self.parseNot())
        }
        return operands.count == 1 ? first : Expression(kind: .logical(.and, operands), column: first.column)
    }

    private mutating func parseNot() throws(ExpressionError) -> Expression {
        guard self.current.kind == .not else { return try self.parseComparison() }
        let token = self.advance()
        try self.enter(at: token)
        let operand = try self.parseNot()
        self.leave()
        return Expression(kind: .not(operand), column: token.column)
    }

    private mutating func parseComparison() throws(ExpressionError) -> Expression {
        let left = try self.parseSum()
        guard let operation = Self.comparisonOperator(self.current.kind) else { return left }
        self.advance()
        let right = try self.parseSum()
        if Self.comparisonOperator(self.current.kind) != nil {
            throw ExpressionError(
                column: self.current.column,
                problem: "comparisons cannot be chained; write a < b and b < c instead of a < b < c"
            )
        }
        return Expression(kind: .comparison(operation, left, right), column: left.column)
    }

    private mutating func parseSum() throws(ExpressionError) -> Expression {
        let first = try self.parseProduct()
        var steps: [Expression.ArithmeticStep] = []
        while let operation = Self.additiveOperator(self.current.kind) {
            let token = self.advance()
            steps.append(
                Expression.ArithmeticStep(operation: operation, operand: try self.parseProduct(), column: token.column)
            )
        }
        return steps.isEmpty ? first : Expression(kind: .arithmetic(first, steps), column: first.column)
    }

    private mutating func parseProduct() throws(ExpressionError) -> Expression {
        let first = try self.parseUnary()
        var steps: [Expression.ArithmeticStep] = []
        while let operation = Self.multiplicativeOperator(self.current.kind) {
            let token = self.advance()
            steps.append(
                Expression.ArithmeticStep(operation: operation, operand: try self.parseUnary(), column: token.column)
            )
        }
        return steps.isEmpty ? first : Expression(kind: .arithmetic(first, steps), column: first.column)
    }

    private mutating func parseUnary() throws(ExpressionError) -> Expression {
        guard self.current.kind == .minus else { return try self.parsePrimary() }
        let token = self.advance()
        try self.enter(at: token)
        let operand = try self.parseUnary()
        self.leave()
        // Folding `-5` into a literal keeps the analysed range exact; negating Int.max cannot overflow.
        if case .literal(let value) = operand.kind {
            switch value {
            case .integer(let integer): return Expression(kind: .literal(.integer(-integer)), column: token.column)
            case .decimal(let decimal): return Expression(kind: .literal(.decimal(-decimal)), column: token.column)
            }
        }
        return Expression(kind: .negate(operand), column: token.column)
    }

    private mutating func parsePrimary() throws(ExpressionError) -> Expression {
        let token = self.advance()
        switch token.kind {
        case .number(let value):
            return Expression(kind: .literal(value), column: token.column)
        case .identifier(let name):
            if self.current.kind == .leftParenthesis {
                return try self.parseCall(name: name, at: token)
            }
            return try self.variable(name, at: token)
        case .leftParenthesis:
            try self.enter(at: token)
            let inner = try self.parseOr()
            self.leave()
            guard self.current.kind == .rightParenthesis else {
                throw ExpressionError(
                    column: self.current.column,
                    problem: "expected \")\" to close the \"(\" at column \(token.column), "
                        + "found \(self.describe(self.current))"
                )
            }
            self.advance()
            return inner
        case .end:
            throw ExpressionError(column: token.column, problem: "the expression ends too early; a value was expected")
        default:
            throw ExpressionError(
                column: token.column,
                problem: "unexpected \"\(token.text)\"; a number, a name or \"(\" was expected here"
            )
        }
    }

    private mutating func parseCall(name: String, at token: ExpressionToken) throws(ExpressionError) -> Expression {
        guard let function = ExpressionFunction(rawValue: name) else {
            let hint = Suggestion.hint(for: name, among: ExpressionFunction.allCases.map(\.rawValue))
            throw ExpressionError(column: token.column, problem: "unknown function \"\(name)\"\(hint)")
        }
        let open = self.advance()
        try self.enter(at: open)
        var arguments: [Expression] = []
        if self.current.kind != .rightParenthesis {
            arguments.append(try self.parseOr())
            while self.current.kind == .comma {
                self.advance()
                arguments.append(try self.parseOr())
            }
        }
        self.leave()
        guard self.current.kind == .rightParenthesis else {
            throw ExpressionError(
                column: self.current.column,
                problem: "expected \",\" or \")\" in the call of \(name), found \(self.describe(self.current))"
            )
        }
        self.advance()
        guard function.arity.contains(arguments.count) else {
            throw ExpressionError(
                column: token.column,
                problem: "\(name) takes \(function.aritySummary), but is given \(arguments.count)"
            )
        }
        return Expression(kind: .call(function, arguments), column: token.column)
    }

    private func variable(_ name: String, at token: ExpressionToken) throws(ExpressionError) -> Expression {
        if let slot = self.scope.slots[name] {
            return Expression(kind: .variable(slot: slot, name: name), column: token.column)
        }
        if ExpressionFunction(rawValue: name) != nil {
            throw ExpressionError(column: token.column, problem: "\(name) is a function; call it as \(name)(…)")
        }
        if self.scope.laterNames.contains(name) {
            throw ExpressionError(
                column: token.column,
                problem: "\"\(name)\" is defined further down; a point can use only the inputs and the points above it"
            )
        }
        let hint = Suggestion.hint(for: name, among: self.scope.names)
        throw ExpressionError(column: token.column, problem: "unknown name \"\(name)\"\(hint)")
    }

    private func describe(_ token: ExpressionToken) -> String {
        token.kind == .end ? token.text : "\"\(token.text)\""
    }

    private static func comparisonOperator(_ kind: ExpressionToken.Kind) -> Expression.ComparisonOperator? {
        switch kind {
        case .less: .less
        case .lessOrEqual: .lessOrEqual
        case .greater: .greater
        case .greaterOrEqual: .greaterOrEqual
        case .equal: .equal
        case .notEqual: .notEqual
        default: nil
        }
    }

    private static func additiveOperator(_ kind: ExpressionToken.Kind) -> Expression.ArithmeticOperator? {
        switch kind {
        case .plus: .add
        case .minus: .subtract
        default: nil
        }
    }

    private static func multiplicativeOperator(_ kind: ExpressionToken.Kind) -> Expression.ArithmeticOperator? {
        switch kind {
        case .star: .multiply
        case .slash: .divide
        default: nil
        }
    }
}
