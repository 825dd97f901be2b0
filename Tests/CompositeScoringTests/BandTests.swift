import CompositeCore
import CompositeScoring
import Foundation
import Testing

@Suite("Band tables cover every possible value exactly once")
struct BandTests {
    private static let bmiInput = [
        "  - id: bmi",  // 8
        "    feature: BMI",  // 9
        "    type: number",  // 10
        "    range: [10, 60]",  // 11
    ]

    private static func bmiScorer(bands: [String], examples: [String]? = nil) -> String {
        TestSupport.scorer(
            inputs: Self.bmiInput,
            points: ["  - id: bmiPoints", "    input: bmi", "    bands:"] + bands,  // points: 12, bands: 15
            interpretation: ["  - { max: 0, label: normal }", "  - { min: 1, label: abnormal }"],
            examples: examples ?? ["  - { inputs: { bmi: 22 }, score: 0, interpretation: normal }"]
        )
    }

    @Test func exclusiveBoundsForNumberInputs() throws {
        let scorer = try TestSupport.compile(
            Self.bmiScorer(
                bands: [
                    "      - { below: 18.5, points: 1 }",
                    "      - { min: 18.5, below: 25, points: 0 }",
                    "      - { min: 25, points: 1 }",
                ],
                examples: [
                    "  - { inputs: { bmi: 18.49 }, score: 1, interpretation: abnormal }",
                    "  - { inputs: { bmi: 18.5 }, score: 0, interpretation: normal }",
                    "  - { inputs: { bmi: 24.99 }, score: 0, interpretation: normal }",
                    "  - { inputs: { bmi: 25 }, score: 1, interpretation: abnormal }",
                ]
            )
        )
        #expect(
            scorer.score(features: ["BMI": .decimal(24.999)], attributes: [:])
                == .scored(score: .integer(0), interpretation: "normal")
        )
        #expect(
            scorer.score(features: ["BMI": .decimal(9.5)], attributes: [:])
                == .rejected(reason: "Input bmi (feature BMI) is 9.5, outside its valid range 10 to 60.")
        )
        #expect(
            scorer.score(features: ["BMI": .decimal(.infinity)], attributes: [:])
                == .rejected(reason: "Input bmi (feature BMI) is inf, not a finite number.")
        )
    }

    @Test func aSingleValueGapBetweenExclusiveBounds() throws {
        let error = try #require(
            TestSupport.loadError(
                Self.bmiScorer(bands: [
                    "      - { below: 25, points: 0 }",
                    "      - { above: 25, points: 1 }",
                ]),
                fileName: "section.yaml"
            )
        )
        #expect(error.line == 15)
        #expect(error.field == "points[0].bands")
        #expect(error.message.hasPrefix("no band covers the value 25;"))
    }

    @Test func aSingleValueOverlapBetweenInclusiveBounds() throws {
        let error = try #require(
            TestSupport.loadError(
                Self.bmiScorer(bands: [
                    "      - { max: 25, points: 0 }",
                    "      - { min: 25, points: 1 }",
                ]),
                fileName: "section.yaml"
            )
        )
        #expect(error.line == 17)
        #expect(error.field == "points[0].bands[1]")
        #expect(
            error.message
                == "this band overlaps points[0].bands[0] for the value 25; every value must fall in exactly one band"
        )
    }

    @Test func aGapBetweenDecimalBands() throws {
        let error = try #require(
            TestSupport.loadError(
                Self.bmiScorer(bands: [
                    "      - { max: 24.9, points: 0 }",
                    "      - { min: 25, points: 1 }",
                ]),
                fileName: "section.yaml"
            )
        )
        #expect(error.message.hasPrefix("no band covers values above 24.9 and below 25;"))
    }

    @Test func anUnboundedNumberInputNeedsOpenEndedBands() throws {
        let source = TestSupport.scorer(
            inputs: ["  - id: x", "    feature: X", "    type: number"],
            points: ["  - id: p", "    input: x", "    bands:", "      - { min: 0, points: 1 }"],
            interpretation: ["  - { label: any }"],
            examples: ["  - { inputs: { x: 1 }, score: 1, interpretation: any }"]
        )
        let error = try #require(TestSupport.loadError(source, fileName: "section.yaml"))
        #expect(error.field == "points[0].bands")
        #expect(
            error.message
                == "no band covers values below 0; "
                + "the bands must cover every possible value of input x (any value) without gaps"
        )
    }

    @Test func exclusiveBoundsOnIntegerInputsMeetTheirNeighbours() throws {
        let scorer = try TestSupport.compile(
            TestSupport.base(replacing: [
                20: "      - { below: 5, points: 0 }",
                21: "      - { above: 4, points: 1 }",
            ])
        )
        #expect(
            scorer.score(features: ["A": .integer(5)], attributes: ["b": .integer(0)])
                == .scored(score: .integer(1), interpretation: "high")
        )
    }

    @Test func hugeIntegerRangesAreCheckedWithoutEnumeration() throws {
        let inputs = ["  - id: n", "    feature: N", "    type: integer", "    range: [0, 1000000000000]"]
        let interpretation = ["  - { max: 0, label: small }", "  - { min: 1, label: large }"]
        let examples = ["  - { inputs: { n: 500000000000 }, score: 1, interpretation: large }"]
        let valid = TestSupport.scorer(
            inputs: inputs,
            points: [
                "  - id: p", "    input: n", "    bands:", "      - { max: 499999999999, points: 0 }",
                "      - { min: 500000000000, points: 1 }",
            ],
            interpretation: interpretation,
            examples: examples
        )
        #expect(throws: Never.self) { try TestSupport.compile(valid) }
        let gap = TestSupport.scorer(
            inputs: inputs,
            points: [
                "  - id: p", "    input: n", "    bands:", "      - { max: 499999999999, points: 0 }",
                "      - { min: 500000000002, points: 1 }",
            ],
            interpretation: interpretation,
            examples: examples
        )
        let error = try #require(TestSupport.loadError(gap, fileName: "section.yaml"))
        #expect(error.message.hasPrefix("no band covers 500000000000 to 500000000001;"))
    }

    @Test func bandsOverAnEarlierPoint() throws {
        let source = TestSupport.scorer(
            inputs: ["  - id: x", "    feature: X", "    type: integer", "    range: [0, 5]"],
            points: [
                "  - id: doubled",
                "    expression: x * 2",
                "  - id: level",
                "    input: doubled",
                "    bands:",
                "      - { max: 3, points: 0 }",
                "      - { min: 4, max: 10, points: 1 }",
            ],
            score: "level",
            interpretation: ["  - { max: 0, label: low }", "  - { min: 1, label: high }"],
            examples: [
                "  - { inputs: { x: 1 }, score: 0, interpretation: low }",
                "  - { inputs: { x: 2 }, score: 1, interpretation: high }",
            ]
        )
        #expect(throws: Never.self) { try TestSupport.compile(source) }
        let withGap = source.replacingOccurrences(
            of: "{ min: 4, max: 10, points: 1 }",
            with: "{ min: 4, max: 9, points: 1 }"
        )
        let error = try #require(TestSupport.loadError(withGap, fileName: "section.yaml"))
        #expect(error.field == "points[1].bands")
        #expect(
            error.message
                == "no band covers 10; "
                + "the bands must cover every possible value of points doubled (0 to 10) without gaps"
        )
    }

    @Test func minAndAboveTogetherAreRefused() throws {
        let error = try #require(
            TestSupport.loadError(TestSupport.base(replacing: [21: "      - { min: 5, above: 4, points: 1 }"]))
        )
        #expect(error.line == 21)
        #expect(error.field == "points[0].bands[1].above")
        #expect(error.message == "use either min or above, not both")
    }
}
