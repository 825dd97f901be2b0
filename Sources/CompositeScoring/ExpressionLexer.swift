import CompositeCore

/// Splits expression text into tokens, explaining the mistakes people coming from other languages tend to make.
enum ExpressionLexer {
    static func tokens(in text: String) throws(ExpressionError) -> [ExpressionToken] {
        let characters = Array(text)
        var tokens: [ExpressionToken] = []
        var index = 0
        while index < characters.count {
            let character = characters[index]
            let column = index + 1
            if character.isWhitespace {
                index += 1
            } else if character.isASCII, character.isNumber {
                let end = Self.endOfNumber(characters, from: index)
                let literal = String(characters[index..<end])
                tokens.append(
                    ExpressionToken(
                        kind: .number(try Self.number(literal, column: column)),
                        column: column,
                        text: literal
                    )
                )
                index = end
                if index < characters.count, Self.isIdentifierCharacter(characters[index]) {
                    throw ExpressionError(
                        column: column,
                        problem: "a number cannot be followed directly by a letter "
                            + "(\"\(literal)\(characters[index])\"); write a * between them if you mean a product"
                    )
                }
            } else if Self.isIdentifierStart(character) {
                var end = index
                while end < characters.count, Self.isIdentifierCharacter(characters[end]) {
                    end += 1
                }
                let word = String(characters[index..<end])
                let kind: ExpressionToken.Kind =
                    switch word {
                    case "and": .and
                    case "or": .or
                    case "not": .not
                    default: .identifier(word)
                    }
                tokens.append(ExpressionToken(kind: kind, column: column, text: word))
                index = end
            } else {
                let next: Character? = index + 1 < characters.count ? characters[index + 1] : nil
                let (kind, length) = try Self.symbol(character, next: next, column: column)
                tokens.append(
                    ExpressionToken(kind: kind, column: column, text: String(characters[index..<index + length]))
                )
                index += length
            }
        }
        tokens.append(ExpressionToken(kind: .end, column: characters.count + 1, text: "the end of the expression"))
        return tokens
    }

    private static func isIdentifierStart(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character == "_")
    }

    private static func isIdentifierCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || character == "_")
    }

    /// Digits, optionally followed by `.` and more digits; a trailing `.` is left for ``number(_:column:)`` to refuse.
    private static func endOfNumber(_ characters: [Character], from start: Int) -> Int {
        var end = start
        while end < characters.count, characters[end].isASCII, characters[end].isNumber {
            end += 1
        }
        if end < characters.count, characters[end] == "." {
            end += 1
            while end < characters.count, characters[end].isASCII, characters[end].isNumber {
                end += 1
            }
        }
        return end
    }

    private static func number(_ literal: String, column: Int) throws(ExpressionError) -> NumericValue {
        if literal.hasSuffix(".") {
            throw ExpressionError(
                column: column,
                problem: "a decimal point must be followed by digits (\"\(literal)\")"
            )
        }
        if literal.contains(".") {
            guard let value = Double(literal), value.isFinite else {
                throw ExpressionError(column: column, problem: "the number \(literal) is too large")
            }
            return .decimal(value)
        }
        guard let value = Int(literal) else {
            throw ExpressionError(column: column, problem: "the number \(literal) is too large")
        }
        return .integer(value)
    }

    private static func symbol(
        _ character: Character,
        next: Character?,
        column: Int
    ) throws(ExpressionError) -> (ExpressionToken.Kind, Int) {
        switch (character, next) {
        case ("<", "="): return (.lessOrEqual, 2)
        case (">", "="): return (.greaterOrEqual, 2)
        case ("=", "="): return (.equal, 2)
        case ("!", "="): return (.notEqual, 2)
        case ("<", _): return (.less, 1)
        case (">", _): return (.greater, 1)
        case ("+", _): return (.plus, 1)
        case ("-", _): return (.minus, 1)
        case ("*", _): return (.star, 1)
        case ("/", _): return (.slash, 1)
        case ("(", _): return (.leftParenthesis, 1)
        case (")", _): return (.rightParenthesis, 1)
        case (",", _): return (.comma, 1)
        case ("=", _):
            throw ExpressionError(column: column, problem: "\"=\" is not an operator; write == to compare")
        case ("!", _):
            throw ExpressionError(column: column, problem: "\"!\" is not an operator; write not")
        case ("&", _):
            throw ExpressionError(column: column, problem: "\"&\" is not an operator; write and")
        case ("|", _):
            throw ExpressionError(column: column, problem: "\"|\" is not an operator; write or")
        case ("^", _):
            throw ExpressionError(column: column, problem: "there is no power operator \"^\"; multiply instead")
        default:
            throw ExpressionError(column: column, problem: "unexpected character \"\(character)\"")
        }
    }
}
