import CompositeCore
import CompositeScoring
import Testing

@Suite("Scoring outcomes beyond the IMWG table")
struct ScoringRuntimeTests {
    private static let anyLabel = ["  - { label: any }"]

    private static func input(_ id: String, type: String = "integer", range: String? = nil) -> [String] {
        ["  - id: \(id)", "    feature: \(id.uppercased())", "    type: \(type)"]
            + (range.map { ["    range: \($0)"] } ?? [])
    }

    @Test func divisionByZeroInTheScoreIsARejection() throws {
        let scorer = try TestSupport.compile(
            TestSupport.scorer(
                inputs: Self.input("x", range: "[0, 10]"),
                score: "10 / x",
                interpretation: Self.anyLabel,
                examples: [
                    "  - { inputs: { x: 4 }, score: 2.5, interpretation: any }",
                    "  - { inputs: { x: 0 }, error: division by zero }",
                ]
            )
        )
        #expect(
            scorer.score(features: ["X": .integer(5)], attributes: [:])
                == .scored(score: .integer(2), interpretation: "any")
        )
        #expect(
            scorer.score(features: ["X": .integer(4)], attributes: [:])
                == .scored(score: .decimal(2.5), interpretation: "any")
        )
        #expect(
            scorer.score(features: ["X": .integer(0)], attributes: [:])
                == .rejected(reason: "The score cannot be computed: division by zero (column 4 of the expression).")
        )
    }

    @Test func divisionByZeroInAPointIsARejection() throws {
        let scorer = try TestSupport.compile(
            TestSupport.scorer(
                inputs: Self.input("x", range: "[0, 10]"),
                points: ["  - id: ratio", "    expression: \"round(10 / x)\""],
                interpretation: Self.anyLabel,
                examples: ["  - { inputs: { x: 4 }, score: 3, interpretation: any }"]
            )
        )
        #expect(
            scorer.score(features: ["X": .integer(0)], attributes: [:])
                == .rejected(reason: "Points ratio cannot be computed: division by zero (column 10 of the expression).")
        )
    }

    @Test func integerOverflowIsARejection() throws {
        let scorer = try TestSupport.compile(
            TestSupport.scorer(
                inputs: Self.input("x"),
                score: "x * x",
                interpretation: Self.anyLabel,
                examples: ["  - { inputs: { x: 3 }, score: 9, interpretation: any }"]
            )
        )
        #expect(
            scorer.score(features: ["X": .integer(4_000_000_000)], attributes: [:])
                == .rejected(
                    reason:
                        "The score cannot be computed: the result is too large for exact integer arithmetic "
                        + "(column 3 of the expression)."
                )
        )
    }

    @Test func withoutAScoreTheScoreIsTheSumOfThePoints() throws {
        let scorer = try TestSupport.compile(
            TestSupport.scorer(
                inputs: Self.input("x"),
                points: ["  - id: first", "    expression: x", "  - id: second", "    expression: x"],
                interpretation: Self.anyLabel,
                examples: ["  - { inputs: { x: 3 }, score: 6, interpretation: any }"]
            )
        )
        #expect(
            scorer.score(features: ["X": .integer(Int.max)], attributes: [:])
                == .rejected(
                    reason:
                        "The score cannot be computed: the result is too large for exact integer arithmetic "
                        + "in the sum of the points."
                )
        )
    }

    @Test func aScoreOutsideEveryInterpretationBandIsARejection() throws {
        let scorer = try TestSupport.compile(
            TestSupport.scorer(
                inputs: Self.input("x", type: "number"),
                score: "x",
                interpretation: ["  - { min: 0, label: positive }"],
                examples: [
                    "  - { inputs: { x: 1.5 }, score: 1.5, interpretation: positive }",
                    "  - { inputs: { x: -1 }, error: matches no interpretation band }",
                ]
            )
        )
        #expect(
            scorer.score(features: ["X": .decimal(-0.5)], attributes: [:])
                == .rejected(reason: "The score -0.5 matches no interpretation band.")
        )
    }

    @Test func decimalScoresAreComparedToNineSignificantDigits() throws {
        let scorer = try TestSupport.compile(
            TestSupport.scorer(
                inputs: Self.input("x", range: "[0, 10]"),
                score: "x * 0.1",
                interpretation: ["  - { below: 0.5, label: low }", "  - { min: 0.5, label: high }"],
                examples: ["  - { inputs: { x: 3 }, score: 0.3, interpretation: low }"]
            )
        )
        #expect(
            scorer.score(features: ["X": .integer(3)], attributes: [:])
                == .scored(score: .decimal(3 * 0.1), interpretation: "low")
        )
    }

    @Test func numberInputsKeepTheirValue() throws {
        let scorer = try TestSupport.compile(
            TestSupport.scorer(
                inputs: Self.input("x", type: "number"),
                score: "x + 1",
                interpretation: Self.anyLabel,
                examples: ["  - { inputs: { x: 1 }, score: 2, interpretation: any }"]
            )
        )
        #expect(
            scorer.score(features: ["X": .integer(4)], attributes: [:])
                == .scored(score: .integer(5), interpretation: "any")
        )
        #expect(
            scorer.score(features: ["X": .decimal(4.0)], attributes: [:])
                == .scored(score: .decimal(5.0), interpretation: "any")
        )
    }

    @Test func anInterpretationBoundMustBeWholeForAnIntegerScore() throws {
        let error = try #require(
            TestSupport.loadError(TestSupport.base(replacing: [26: "  - { max: 0.5, label: low }"]))
        )
        #expect(error.field == "interpretation[0].max")
        #expect(error.message == "expected an integer, because the score is always a whole number; found \"0.5\"")
    }

    @Test func anExampleCanAssertErrorFalseOnlyByLeavingItOut() throws {
        let error = try #require(
            TestSupport.loadError(TestSupport.base(replacing: [30: "    error: false", 31: "    # none"]))
        )
        #expect(error.line == 30)
        #expect(error.field == "examples[0].error")
    }

    @Test func aQuotedNumberGetsAHint() throws {
        let error = try #require(TestSupport.loadError(TestSupport.base(replacing: [30: "    score: \"0\""])))
        #expect(error.message == "expected a number, found \"0\" (write numbers without quotes)")
    }

    @Test func theExpressionScorerExampleRunsAtLoad() throws {
        let error = try #require(
            TestSupport.loadError(
                TestSupport.scorer(
                    inputs: Self.input("x", range: "[0, 10]"),
                    score: "min(x, 5)",
                    interpretation: Self.anyLabel,
                    examples: ["  - { inputs: { x: 8 }, score: 8, interpretation: any }"]
                ),
                fileName: "section.yaml"
            )
        )
        #expect(
            error.description == "section.yaml:16: examples[0]: expected score 8 (any), but the scorer gives 5 (any)"
        )
    }
}
