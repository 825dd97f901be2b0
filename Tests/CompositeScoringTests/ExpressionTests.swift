import CompositeCore
import Testing

@testable import CompositeScoring

@Suite("Expression language")
struct ExpressionTests {
    /// Parses, type-checks and evaluates `text` with the given variables (all integers in 0...100 unless stated).
    private func evaluate(
        _ text: String,
        _ variables: [(String, NumericValue)] = []
    ) throws -> NumericValue {
        let scope = ExpressionScope(names: variables.map(\.0))
        let expression = try ExpressionParser.parse(text, scope: scope)
        let analyzer = ExpressionAnalyzer(slotDomains: variables.map { _ in .anyNumber })
        _ = try analyzer.numberDomain(of: expression, role: "the expression")
        return try expression.number(in: variables.map(\.1))
    }

    private func parseError(_ text: String, names: [String] = []) -> ExpressionError? {
        do throws(ExpressionError) {
            let expression = try ExpressionParser.parse(text, scope: ExpressionScope(names: names))
            let analyzer = ExpressionAnalyzer(slotDomains: names.map { _ in .anyNumber })
            _ = try analyzer.numberDomain(of: expression, role: "the expression")
            Issue.record("expected \(text) to be refused")
            return nil
        } catch {
            return error
        }
    }

    private func evaluationError(_ text: String, _ variables: [(String, NumericValue)] = []) -> EvaluationError? {
        do {
            _ = try self.evaluate(text, variables)
            Issue.record("expected \(text) to fail")
            return nil
        } catch let error as EvaluationError {
            return error
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test func precedenceAndAssociativity() throws {
        #expect(try self.evaluate("1 + 2 * 3") == .integer(7))
        #expect(try self.evaluate("(1 + 2) * 3") == .integer(9))
        #expect(try self.evaluate("10 - 4 - 3") == .integer(3))
        #expect(try self.evaluate("8 / 4 / 2") == .integer(1))
        #expect(try self.evaluate("2 * 3 / 4") == .decimal(1.5))
        #expect(try self.evaluate("-2 * 3") == .integer(-6))
        #expect(try self.evaluate("-(2 + 3)") == .integer(-5))
        #expect(try self.evaluate("- - 4") == .integer(4))
        #expect(try self.evaluate("1 - -1") == .integer(2))
        #expect(try self.evaluate("a - b * 2", [("a", .integer(10)), ("b", .integer(3))]) == .integer(4))
    }

    @Test func integerArithmeticIsExact() throws {
        // 2^53 + 1 is not representable as a Double; integer arithmetic must not pass through one.
        #expect(try self.evaluate("9007199254740992 + 1") == .integer(9_007_199_254_740_993))
        #expect(
            try self.evaluate("a * 3", [("a", .integer(3_000_000_000_000_000_000))])
                == .integer(9_000_000_000_000_000_000)
        )
        #expect(try self.evaluate("6 / 3") == .integer(2))
        #expect(try self.evaluate("7 / 2") == .decimal(3.5))
        #expect(try self.evaluate("-7 / 7") == .integer(-1))
        #expect(try self.evaluate("1.5 * 2") == .decimal(3.0))
        #expect(try self.evaluate("a + 1", [("a", .decimal(0.5))]) == .decimal(1.5))
    }

    @Test func integerOverflowIsAnErrorNotAWrapAround() throws {
        #expect(
            self.evaluationError("9223372036854775807 + 1") == EvaluationError(reason: .integerOverflow, column: 21)
        )
        #expect(self.evaluationError("a * a", [("a", .integer(4_000_000_000))])?.reason == .integerOverflow)
        #expect(self.evaluationError("0 - a - 2", [("a", .integer(Int.max))])?.reason == .integerOverflow)
        #expect(self.evaluationError("-a", [("a", .integer(Int.min))])?.reason == .integerOverflow)
        #expect(self.evaluationError("abs(a)", [("a", .integer(Int.min))])?.reason == .integerOverflow)
        #expect(self.evaluationError("a / -1", [("a", .integer(Int.min))])?.reason == .integerOverflow)
        #expect(self.evaluationError("round(a)", [("a", .decimal(1e300))])?.reason == .integerOverflow)
        #expect(self.evaluationError("a * a", [("a", .decimal(1e200))])?.reason == .notFinite)
        #expect(self.parseError("99999999999999999999")?.problem == "the number 99999999999999999999 is too large")
    }

    @Test func divisionByZero() {
        #expect(self.evaluationError("1 / 0") == EvaluationError(reason: .divisionByZero, column: 3))
        #expect(self.evaluationError("1.5 / a", [("a", .integer(0))])?.reason == .divisionByZero)
    }

    @Test func comparisonsAndBooleans() throws {
        #expect(try self.evaluate("if(1 < 2 and 3 >= 3, 1, 0)") == .integer(1))
        #expect(try self.evaluate("if(2 <= 1 or 3 > 3, 1, 0)") == .integer(0))
        #expect(try self.evaluate("if(not (1 == 1) or 2 != 2, 1, 0)") == .integer(0))
        // `and` binds tighter than `or`.
        #expect(try self.evaluate("if(1 == 1 or 1 == 2 and 1 == 2, 1, 0)") == .integer(1))
        #expect(try self.evaluate("if(not 1 == 2, 1, 0)") == .integer(1))
        #expect(try self.evaluate("if((1 < 2) == (2 < 3), 1, 0)") == .integer(1))
        #expect(try self.evaluate("if(1 == 1.0, 1, 0)") == .integer(1))
        #expect(try self.evaluate("if(a > 2.5, 1, 0)", [("a", .integer(3))]) == .integer(1))
        #expect(try self.evaluate("if(if(1 < 2, 1 > 0, 1 < 0), 1, 0)") == .integer(1))
    }

    @Test func andOrAndIfEvaluateOnlyWhatDecidesTheResult() throws {
        #expect(try self.evaluate("if(x != 0 and 10 / x > 1, 1, 0)", [("x", .integer(0))]) == .integer(0))
        #expect(try self.evaluate("if(x == 0 or 10 / x > 1, 1, 0)", [("x", .integer(0))]) == .integer(1))
        #expect(try self.evaluate("if(x == 0, 0, 10 / x)", [("x", .integer(0))]) == .integer(0))
    }

    @Test func functions() throws {
        #expect(try self.evaluate("min(3, 1, 2)") == .integer(1))
        #expect(try self.evaluate("max(3, 1, 2)") == .integer(3))
        #expect(try self.evaluate("max(1, 2.5)") == .decimal(2.5))
        #expect(try self.evaluate("abs(-4)") == .integer(4))
        #expect(try self.evaluate("abs(-4.5)") == .decimal(4.5))
        #expect(try self.evaluate("round(2.5)") == .integer(3))
        #expect(try self.evaluate("round(-2.5)") == .integer(-3))
        #expect(try self.evaluate("round(2.4)") == .integer(2))
        #expect(try self.evaluate("floor(2.7)") == .integer(2))
        #expect(try self.evaluate("floor(-2.5)") == .integer(-3))
        #expect(try self.evaluate("ceil(2.1)") == .integer(3))
        #expect(try self.evaluate("round(7 / 2)") == .integer(4))
        #expect(try self.evaluate("if(1 > 2, 10, 20)") == .integer(20))
    }

    @Test func typeErrorsAreFoundBeforeEvaluation() {
        #expect(self.parseError("1 + (2 < 3)")?.problem.hasPrefix("each side of + must be a number") == true)
        #expect(
            self.parseError("if(1, 2, 3)")
                == ExpressionError(
                    column: 4,
                    problem: "the first argument of if must be a condition such as adl <= 4, but this is a number"
                )
        )
        #expect(self.parseError("if(1 < 2, 1, 1 < 2)")?.column == 11)
        #expect(self.parseError("not 1")?.column == 5)
        #expect(
            self.parseError("1 and 2")?.problem
                == "each side of and must be a condition such as adl <= 4, but this is a number"
        )
        #expect(
            self.parseError("1 == (1 < 2)")?.problem
                == "== compares a number with a condition; both sides must be of one kind"
        )
        #expect(self.parseError("abs(1 < 2)")?.column == 5)
        #expect(
            self.parseError("1 < 2")?.problem.hasPrefix("the expression must be a number, but this is a condition")
                == true
        )
    }

    @Test func syntaxErrorsNameTheColumn() {
        #expect(
            self.parseError("1 +")
                == ExpressionError(column: 4, problem: "the expression ends too early; a value was expected")
        )
        #expect(self.parseError("foo(1)") == ExpressionError(column: 1, problem: "unknown function \"foo\""))
        #expect(self.parseError("mn(1, 2)")?.problem == "unknown function \"mn\" (did you mean \"min\"?)")
        #expect(
            self.parseError("min(1)")
                == ExpressionError(column: 1, problem: "min takes two or more numbers, but is given 1")
        )
        #expect(self.parseError("round(1, 2)")?.problem == "round takes exactly one number, but is given 2")
        #expect(
            self.parseError("a + bb", names: ["a", "b"])
                == ExpressionError(column: 5, problem: "unknown name \"bb\" (did you mean \"b\"?)")
        )
        #expect(
            self.parseError("1 = 2")
                == ExpressionError(column: 3, problem: "\"=\" is not an operator; write == to compare")
        )
        #expect(self.parseError("1 && 2")?.column == 3)
        #expect(self.parseError("2x")?.column == 1)
        #expect(
            self.parseError("(1 + 2")?.problem
                == "expected \")\" to close the \"(\" at column 1, found the end of the expression"
        )
        #expect(self.parseError("(1 + 2")?.column == 7)
        #expect(self.parseError("1 $ 2") == ExpressionError(column: 3, problem: "unexpected character \"$\""))
        #expect(self.parseError("1 2")?.column == 3)
        #expect(self.parseError("1 < 2 < 3")?.column == 7)
        #expect(self.parseError("1.")?.column == 1)
        #expect(self.parseError("min")?.problem == "min is a function; call it as min(…)")
        #expect(self.parseError("   ")?.problem == "the expression is empty")
        #expect(self.parseError("max(1, )")?.column == 8)
    }

    @Test func nestingAndLengthAreLimited() throws {
        let deepest = String(repeating: "(", count: 64) + "1" + String(repeating: ")", count: 64)
        #expect(try self.evaluate(deepest) == .integer(1))
        let tooDeep = String(repeating: "(", count: 65) + "1" + String(repeating: ")", count: 65)
        #expect(
            self.parseError(tooDeep)
                == ExpressionError(column: 65, problem: "the expression is nested too deeply (more than 64 levels)")
        )
        #expect(self.parseError(String(repeating: "-", count: 65) + "1")?.column == 65)
        #expect(
            self.parseError(String(repeating: "not ", count: 65) + "1 < 2")?.problem.contains("nested too deeply")
                == true
        )
        #expect(
            self.parseError(String(repeating: "abs(", count: 65) + "1" + String(repeating: ")", count: 65))?.column
                == 260
        )

        // A long flat sum is fine: chains do not nest.
        let longSum = Array(repeating: "1", count: 2000).joined(separator: "+")
        #expect(longSum.count <= ExpressionParser.maximumLength)
        #expect(try self.evaluate(longSum) == .integer(2000))
        let tooLong = Array(repeating: "1", count: 2049).joined(separator: "+")
        #expect(
            self.parseError(tooLong)
                == ExpressionError(
                    column: 0,
                    problem: "the expression is 4097 characters long; at most 4096 are allowed"
                )
        )
    }

    @Test func theAnalyzerEstimatesRanges() throws {
        let scope = ExpressionScope(names: ["a", "b"])
        let analyzer = ExpressionAnalyzer(slotDomains: [
            NumericDomain(lower: 0, upper: 10, isInteger: true),
            NumericDomain(lower: -2, upper: 3, isInteger: true),
        ])
        func domain(_ text: String) throws -> NumericDomain {
            try analyzer.numberDomain(of: try ExpressionParser.parse(text, scope: scope), role: "it")
        }
        #expect(try domain("a + b") == NumericDomain(lower: -2, upper: 13, isInteger: true))
        #expect(try domain("a * b") == NumericDomain(lower: -20, upper: 30, isInteger: true))
        #expect(try domain("a - b") == NumericDomain(lower: -3, upper: 12, isInteger: true))
        #expect(try domain("a / 2") == NumericDomain(lower: 0, upper: 5, isInteger: false))
        #expect(try domain("a / b") == .anyNumber)
        #expect(try domain("abs(b)") == NumericDomain(lower: 0, upper: 3, isInteger: true))
        #expect(try domain("round(a / 4)") == NumericDomain(lower: 0, upper: 3, isInteger: true))
        #expect(try domain("min(a, b)") == NumericDomain(lower: -2, upper: 3, isInteger: true))
        #expect(try domain("if(a > 5, 1, 2.5)") == NumericDomain(lower: 1, upper: 2.5, isInteger: false))
    }
}
