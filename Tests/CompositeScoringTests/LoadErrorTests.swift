import CompositeCore
import CompositeScoring
import Testing

@Suite("Refused files name the file, line and field")
struct LoadErrorTests {
    @Test func theBaseFileIsValid() throws {
        let scorer = try Scorer.compile(source: TestSupport.base, fileName: "test.yaml")
        #expect(
            scorer.score(features: ["A": .integer(5)], attributes: ["b": .integer(7)])
                == .scored(score: .integer(3), interpretation: "high")
        )
    }

    @Test func aWrongWorkedExample() throws {
        let error = try #require(TestSupport.loadError(TestSupport.base(replacing: [33: "    score: 2"])))
        #expect(error.file == "test.yaml")
        #expect(error.line == 32)
        #expect(error.field == "examples[1]")
        #expect(error.message == "expected score 2 (high), but the scorer gives 3 (high)")
        #expect(
            error.description == "test.yaml:32: examples[1]: expected score 2 (high), but the scorer gives 3 (high)"
        )
    }

    @Test func aWrongInterpretationInAnExample() throws {
        let error = try #require(TestSupport.loadError(TestSupport.base(replacing: [31: "    interpretation: high"])))
        #expect(error.line == 29)
        #expect(error.field == "examples[0]")
        #expect(error.message == "expected score 0 (high), but the scorer gives 0 (low)")
    }

    @Test func anExampleExpectingARejectionThatScores() throws {
        let source = TestSupport.base + "  - inputs: { a: 10, b: 10 }\n    error: true\n"
        let error = try #require(TestSupport.loadError(source))
        #expect(error.line == 35)
        #expect(error.field == "examples[2]")
        #expect(error.message == "expected a rejection, but the scorer gives 3 (high)")
    }

    @Test func anExampleExpectingAnotherRejectionReason() throws {
        let source = TestSupport.base + "  - inputs: { a: 11, b: 10 }\n    error: \"is missing\"\n"
        let error = try #require(TestSupport.loadError(source))
        #expect(error.line == 35)
        #expect(
            error.message == "expected a rejection mentioning \"is missing\", but the reason given is: "
                + "Input a (feature A) is 11, outside its valid range 0 to 10."
        )
    }

    @Test func anExampleExpectingAScoreForRejectedInputs() throws {
        let error = try #require(TestSupport.loadError(TestSupport.base(replacing: [29: "  - inputs: { a: 4 }"])))
        #expect(error.line == 29)
        #expect(
            error.message == "expected score 0 (low), but the inputs are rejected: "
                + "Input b (attribute b) is missing: the patient attribute is unknown."
        )
    }

    @Test func aYAMLSyntaxError() throws {
        let error = try #require(TestSupport.loadError(TestSupport.base(replacing: [9: "    feature: A: B"])))
        #expect(error.file == "test.yaml")
        #expect(error.line == 9)
        #expect(error.field == nil)
        #expect(error.message.hasPrefix("YAML syntax error: mapping values are not allowed in this context"))
    }

    @Test func aDuplicatedKey() throws {
        let error = try #require(TestSupport.loadError(TestSupport.base(replacing: [5: "id: again"])))
        #expect(error.line == 2)
        #expect(error.message == "the key \"id\" is written more than once in the same group")
    }

    @Test func anUnknownNameInAnExpression() throws {
        let error = try #require(
            TestSupport.loadError(TestSupport.base(replacing: [23: "    expression: \"if(bb >= 5, 2, 0)\""]))
        )
        #expect(error.line == 23)
        #expect(error.field == "points[1].expression")
        #expect(error.message == "unknown name \"bb\" (did you mean \"b\"?) (column 4 of the expression)")
    }

    @Test func anUnknownNameInTheScore() throws {
        let error = try #require(TestSupport.loadError(TestSupport.base(replacing: [24: "score: aPoints + cPoints"])))
        #expect(error.line == 24)
        #expect(error.field == "score")
        #expect(error.message.hasPrefix("unknown name \"cPoints\""))
        #expect(error.message.hasSuffix("(column 11 of the expression)"))
    }

    @Test func anUnknownKey() throws {
        let error = try #require(TestSupport.loadError(TestSupport.base(replacing: [10: "    typ: integer"])))
        #expect(error.line == 10)
        #expect(error.field == "inputs[0].typ")
        #expect(
            error.message
                == "unknown key \"typ\" (did you mean \"type\"?); "
                + "the keys allowed here are id, feature, attribute, type, range"
        )
        #expect(error.description.hasPrefix("test.yaml:10: inputs[0].typ: unknown key \"typ\""))
    }

    @Test func anUnknownTopLevelKey() throws {
        let error = try #require(TestSupport.loadError(TestSupport.base(replacing: [6: "refrence: \"A reference\""])))
        #expect(error.line == 6)
        #expect(error.field == "refrence")
        #expect(error.message.hasPrefix("unknown key \"refrence\" (did you mean \"reference\"?)"))
    }

    @Test func aGapBetweenBands() throws {
        let error = try #require(
            TestSupport.loadError(TestSupport.base(replacing: [21: "      - { min: 6, points: 1 }"]))
        )
        #expect(error.line == 19)
        #expect(error.field == "points[0].bands")
        #expect(
            error.message
                == "no band covers 5; the bands must cover every possible value of input a (0 to 10) without gaps"
        )
    }

    @Test func aGapAtTheTopOfTheRange() throws {
        let error = try #require(
            TestSupport.loadError(TestSupport.base(replacing: [21: "      - { min: 5, max: 8, points: 1 }"]))
        )
        #expect(error.line == 19)
        #expect(error.message.hasPrefix("no band covers 9 to 10;"))
    }

    @Test func overlappingBands() throws {
        let error = try #require(
            TestSupport.loadError(TestSupport.base(replacing: [21: "      - { min: 3, points: 1 }"]))
        )
        #expect(error.line == 21)
        #expect(error.field == "points[0].bands[1]")
        #expect(
            error.message
                == "this band overlaps points[0].bands[0] for 3 to 4; every value must fall in exactly one band"
        )
    }

    @Test func aBandOutsideTheRange() throws {
        let error = try #require(
            TestSupport.loadError(TestSupport.base(replacing: [21: "      - { min: 11, points: 1 }"]))
        )
        #expect(error.line == 21)
        #expect(error.field == "points[0].bands[1]")
        #expect(error.message == "this band can never match: the possible values of input a are 0 to 10")
    }

    @Test func anEmptyBand() throws {
        let error = try #require(
            TestSupport.loadError(TestSupport.base(replacing: [21: "      - { min: 5, max: 4, points: 1 }"]))
        )
        #expect(error.field == "points[0].bands[1]")
        #expect(error.message.hasPrefix("this band matches no value at all"))
    }

    @Test func aDecimalBoundForAnIntegerInput() throws {
        let error = try #require(
            TestSupport.loadError(TestSupport.base(replacing: [20: "      - { max: 4.5, points: 0 }"]))
        )
        #expect(error.line == 20)
        #expect(error.field == "points[0].bands[0].max")
        #expect(error.message == "expected an integer, because input a is always a whole number; found \"4.5\"")
    }

    @Test func aGapInTheInterpretation() throws {
        let error = try #require(
            TestSupport.loadError(TestSupport.base(replacing: [27: "  - { min: 2, label: high }"]))
        )
        #expect(error.line == 25)
        #expect(error.field == "interpretation")
        #expect(
            error.message
                == "no band covers 1; the bands must cover every possible value of the score (0 to 3) without gaps"
        )
    }

    @Test func aMissingRequiredKey() throws {
        let error = try #require(TestSupport.loadError(TestSupport.base(replacing: [4: "# no name"])))
        #expect(error.line == 1)
        #expect(error.field == "name")
        #expect(error.message == "the required key \"name\" is missing")
    }

    @Test func aMissingInputType() throws {
        let error = try #require(TestSupport.loadError(TestSupport.base(replacing: [14: "    # no type"])))
        #expect(error.line == 12)
        #expect(error.field == "inputs[1].type")
    }

    @Test func aWrongType() throws {
        let error = try #require(TestSupport.loadError(TestSupport.base(replacing: [11: "    range: [0, x]"])))
        #expect(error.line == 11)
        #expect(error.field == "inputs[0].range[1]")
        #expect(error.message == "expected an integer, found \"x\"")
        #expect(error.description == "test.yaml:11: inputs[0].range[1]: expected an integer, found \"x\"")
    }

    @Test func aListWhereTextIsExpected() throws {
        let error = try #require(TestSupport.loadError(TestSupport.base(replacing: [4: "name: [a, b]"])))
        #expect(error.line == 4)
        #expect(error.field == "name")
        #expect(error.message == "expected text, found a list")
    }

    @Test func anUnknownValueType() throws {
        let error = try #require(TestSupport.loadError(TestSupport.base(replacing: [10: "    type: int"])))
        #expect(error.field == "inputs[0].type")
        #expect(error.message == "expected integer or number, found \"int\"")
    }

    @Test func aDuplicateId() throws {
        let error = try #require(TestSupport.loadError(TestSupport.base(replacing: [17: "  - id: a"])))
        #expect(error.line == 17)
        #expect(error.field == "points[0].id")
        #expect(error.message == "the id \"a\" is already used by inputs[0]")
    }

    @Test func anIdThatIsNotAName() throws {
        let error = try #require(TestSupport.loadError(TestSupport.base(replacing: [8: "  - id: katz-adl"])))
        #expect(error.field == "inputs[0].id")
        #expect(error.message.hasPrefix("\"katz-adl\" cannot be an id"))
    }

    @Test func aPointReadingAnUnknownInput() throws {
        let error = try #require(TestSupport.loadError(TestSupport.base(replacing: [18: "    input: aa"])))
        #expect(error.line == 18)
        #expect(error.field == "points[0].input")
        #expect(error.message == "unknown input \"aa\" (did you mean \"a\"?)")
    }

    @Test func aPointUsingALaterPoint() throws {
        let error = try #require(TestSupport.loadError(TestSupport.base(replacing: [18: "    input: bPoints"])))
        #expect(error.field == "points[0].input")
        #expect(error.message.hasPrefix("\"bPoints\" is defined further down"))
    }

    @Test func aPointWithBothBandsAndAnExpression() throws {
        let error = try #require(
            TestSupport.loadError(TestSupport.base(replacing: [23: "    expression: b\n    input: b"]))
        )
        #expect(error.line == 24)
        #expect(error.field == "points[1].input")
        #expect(error.message == "a point is computed either from an input with bands, or by an expression, not both")
    }

    @Test func aScoreThatIsACondition() throws {
        let error = try #require(TestSupport.loadError(TestSupport.base(replacing: [24: "score: aPoints > 0"])))
        #expect(error.line == 24)
        #expect(error.field == "score")
        #expect(error.message.hasPrefix("the score must be a number, but this is a condition"))
    }

    @Test func aConditionThatIsANumber() throws {
        let error = try #require(
            TestSupport.loadError(TestSupport.base(replacing: [23: "    expression: \"if(b, 2, 0)\""]))
        )
        #expect(error.field == "points[1].expression")
        #expect(
            error.message
                == "the first argument of if must be a condition such as adl <= 4, but this is a number "
                + "(column 4 of the expression)"
        )
    }

    @Test func anUnsupportedFormat() throws {
        let error = try #require(TestSupport.loadError(TestSupport.base(replacing: [1: "format: composite-scorer/2"])))
        #expect(error.line == 1)
        #expect(error.field == "format")
        #expect(error.message == "unsupported format \"composite-scorer/2\"; this service reads composite-scorer/1")
    }

    @Test func aCompositeReadingItsOwnScore() throws {
        let error = try #require(TestSupport.loadError(TestSupport.base(replacing: [9: "    feature: TestScore"])))
        #expect(error.line == 9)
        #expect(error.field == "inputs[0].feature")
    }

    @Test func anInputWithBothSources() throws {
        let error = try #require(TestSupport.loadError(TestSupport.base(replacing: [10: "    attribute: a"])))
        #expect(error.field == "inputs[0].attribute")
        #expect(error.message == "an input reads either a feature or an attribute, not both")
    }

    @Test func noWorkedExamples() throws {
        var lines = Array(TestSupport.baseLines.prefix(27))
        lines.append("examples: []")
        let error = try #require(TestSupport.loadError(lines.joined(separator: "\n")))
        #expect(error.line == 28)
        #expect(error.field == "examples")
        #expect(error.message == "the list is empty; at least one worked example is needed")
    }

    @Test func anExampleNamingAnUnknownInput() throws {
        let error = try #require(
            TestSupport.loadError(TestSupport.base(replacing: [29: "  - inputs: { a: 4, bb: 4 }"]))
        )
        #expect(error.line == 29)
        #expect(error.field == "examples[0].inputs.bb")
        #expect(error.message == "unknown input \"bb\" (did you mean \"b\"?); the inputs are a, b")
    }

    @Test func anEmptyFile() throws {
        let error = try #require(TestSupport.loadError("# nothing here\n", fileName: "empty.yaml"))
        #expect(error == ScorerLoadError(file: "empty.yaml", line: nil, field: nil, message: "the file is empty"))
        #expect(error.description == "empty.yaml: the file is empty")
    }

    @Test func aDocumentThatIsNotAMapping() throws {
        let error = try #require(TestSupport.loadError("- just\n- a list\n"))
        #expect(error.line == 1)
        #expect(error.field == nil)
        #expect(error.message.hasPrefix("expected a group of key: value pairs"))
    }

    @Test func extremeValuesAreRefusedNotTrapped() throws {
        let smallest = try #require(
            TestSupport.loadError(TestSupport.base(replacing: [11: "    range: [-9223372036854775808, 10]"]))
        )
        #expect(smallest.field == "inputs[0].range[0]")
        #expect(smallest.message.hasPrefix("-9223372036854775808 is out of bounds"))
        let nested = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        let deep = try #require(TestSupport.loadError("format: " + nested + "\n"))
        #expect(deep.line == 1)
        #expect(deep.message.hasPrefix("YAML syntax error"))
    }
}
