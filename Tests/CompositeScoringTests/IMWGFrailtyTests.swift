import CompositeCore
import CompositeScoring
import Testing

@Suite("IMWG Frailty Score from composites/imwg-frailty.yaml")
struct IMWGFrailtyTests {
    let scorer: Scorer

    init() throws {
        self.scorer = try Scorer.compile(
            source: try TestSupport.composite("imwg-frailty.yaml"),
            fileName: "imwg-frailty.yaml"
        )
    }

    /// Scores a patient; defaults describe a fit 70-year-old (score 0).
    private func score(
        age: NumericValue? = .integer(70),
        adl: NumericValue?? = .integer(6),
        iadl: NumericValue?? = .integer(8),
        cci: NumericValue?? = .integer(0)
    ) -> ScorerVerdict {
        var features: [String: NumericValue?] = [:]
        if let adl { features["Katz-ADL"] = .some(adl) }
        if let iadl { features["Lawton-IADL"] = .some(iadl) }
        if let cci { features["CCI"] = .some(cci) }
        var attributes: [String: NumericValue] = [:]
        if let age { attributes["age"] = age }
        return self.scorer.score(features: features, attributes: attributes)
    }

    private static func label(_ score: Int) -> String {
        score == 0 ? "fit" : (score == 1 ? "intermediate-fit" : "frail")
    }

    @Test func manifest() {
        #expect(self.scorer.featureId == "IMWGFrailty")
        #expect(self.scorer.identity.id == "imwg-frailty")
        #expect(self.scorer.identity.version == "1.0.0")
        #expect(self.scorer.name == "IMWG Frailty Score")
        #expect(self.scorer.reference.hasPrefix("Palumbo A, et al."))
        #expect(self.scorer.fileName == "imwg-frailty.yaml")
        #expect(self.scorer.requiredFeatures == ["Katz-ADL", "Lawton-IADL", "CCI"])
        #expect(self.scorer.requiredAttributes == ["age"])
        #expect(self.scorer.inputs.map(\.id) == ["age", "adl", "iadl", "cci"])
        #expect(self.scorer.inputs[0].source == .attribute("age"))
        #expect(self.scorer.inputs[1].source == .feature("Katz-ADL"))
        #expect(self.scorer.inputs.map(\.range) == [0...130, 0...6, 0...8, 0...37])
        #expect(self.scorer.inputs.allSatisfy { $0.type == .integer })
    }

    @Test("age cut-offs", arguments: zip([75, 76, 80, 81], [0, 1, 1, 2]))
    func ageBoundaries(age: Int, expected: Int) {
        #expect(
            self.score(age: .integer(age)) == .scored(score: .integer(expected), interpretation: Self.label(expected))
        )
    }

    @Test("Katz ADL cut-off", arguments: zip([4, 5], [1, 0]))
    func adlBoundary(adl: Int, expected: Int) {
        #expect(
            self.score(adl: .integer(adl)) == .scored(score: .integer(expected), interpretation: Self.label(expected))
        )
    }

    @Test("Lawton IADL cut-off", arguments: zip([5, 6], [1, 0]))
    func iadlBoundary(iadl: Int, expected: Int) {
        #expect(
            self.score(iadl: .integer(iadl)) == .scored(score: .integer(expected), interpretation: Self.label(expected))
        )
    }

    @Test("CCI cut-off", arguments: zip([1, 2], [0, 1]))
    func cciBoundary(cci: Int, expected: Int) {
        #expect(
            self.score(cci: .integer(cci)) == .scored(score: .integer(expected), interpretation: Self.label(expected))
        )
    }

    @Test func combinedScoresCoverEveryTotal() {
        #expect(
            self.score(age: .integer(75), adl: .integer(5), iadl: .integer(6), cci: .integer(1))
                == .scored(score: .integer(0), interpretation: "fit")
        )
        #expect(
            self.score(age: .integer(80), adl: .integer(5), iadl: .integer(6), cci: .integer(1))
                == .scored(score: .integer(1), interpretation: "intermediate-fit")
        )
        #expect(
            self.score(age: .integer(76), adl: .integer(4), iadl: .integer(6), cci: .integer(1))
                == .scored(score: .integer(2), interpretation: "frail")
        )
        #expect(
            self.score(age: .integer(81), adl: .integer(4), iadl: .integer(6), cci: .integer(1))
                == .scored(score: .integer(3), interpretation: "frail")
        )
        #expect(
            self.score(age: .integer(81), adl: .integer(4), iadl: .integer(5), cci: .integer(1))
                == .scored(score: .integer(4), interpretation: "frail")
        )
        #expect(
            self.score(age: .integer(130), adl: .integer(0), iadl: .integer(0), cci: .integer(37))
                == .scored(score: .integer(5), interpretation: "frail")
        )
    }

    @Test func integralDecimalsAreAccepted() {
        #expect(
            self.score(age: .decimal(81.0), adl: .decimal(5.0)) == .scored(score: .integer(2), interpretation: "frail")
        )
    }

    @Test func outOfRangeValuesAreRejected() {
        #expect(
            self.score(age: .integer(131))
                == .rejected(reason: "Input age (attribute age) is 131, outside its valid range 0 to 130.")
        )
        #expect(
            self.score(adl: .integer(7))
                == .rejected(reason: "Input adl (feature Katz-ADL) is 7, outside its valid range 0 to 6.")
        )
        #expect(
            self.score(iadl: .integer(9))
                == .rejected(reason: "Input iadl (feature Lawton-IADL) is 9, outside its valid range 0 to 8.")
        )
        #expect(
            self.score(cci: .integer(38))
                == .rejected(reason: "Input cci (feature CCI) is 38, outside its valid range 0 to 37.")
        )
        #expect(
            self.score(adl: .integer(-1))
                == .rejected(reason: "Input adl (feature Katz-ADL) is -1, outside its valid range 0 to 6.")
        )
        #expect(
            self.score(age: .integer(-3))
                == .rejected(reason: "Input age (attribute age) is -3, outside its valid range 0 to 130.")
        )
    }

    @Test func nonIntegerValuesAreRejected() {
        #expect(
            self.score(adl: .decimal(4.5))
                == .rejected(reason: "Input adl (feature Katz-ADL) is 4.5, not a whole number.")
        )
        #expect(
            self.score(age: .decimal(80.5))
                == .rejected(reason: "Input age (attribute age) is 80.5, not a whole number.")
        )
        #expect(
            self.score(cci: .decimal(.nan)) == .rejected(reason: "Input cci (feature CCI) is nan, not a whole number.")
        )
    }

    @Test func aWholeNumberTooLargeToBeExactIsOutOfRangeNotAFraction() throws {
        // What a 30-digit integer score becomes once parsed: a binary64, whole, beyond the exact integers.
        #expect(
            self.score(adl: .decimal(1.1111111111111111e29))
                == .rejected(
                    reason:
                        "Input adl (feature Katz-ADL) is 1.111111111111111e+29, out of range: its valid range is 0 to 6."
                )
        )
        #expect(
            self.score(age: .decimal(-1e20))
                == .rejected(reason: "Input age (attribute age) is -1e+20, out of range: its valid range is 0 to 130.")
        )
        let unbounded = try TestSupport.compile(
            TestSupport.scorer(
                inputs: ["  - id: x", "    feature: X", "    type: integer"],
                score: "x",
                interpretation: ["  - { label: any }"],
                examples: ["  - { inputs: { x: 1 }, score: 1, interpretation: any }"]
            )
        )
        #expect(
            unbounded.score(features: ["X": .decimal(1e29)], attributes: [:])
                == .rejected(reason: "Input x (feature X) is 1e+29, out of range for a whole number.")
        )
    }

    @Test func nullAndMissingValuesAreRejectedNeverZero() {
        #expect(
            self.score(iadl: .some(nil))
                == .rejected(reason: "Input iadl (feature Lawton-IADL) is null: the component has no score.")
        )
        #expect(
            self.score(cci: nil) == .rejected(reason: "Input cci (feature CCI) is missing: no score was given for it.")
        )
        #expect(
            self.score(age: nil)
                == .rejected(reason: "Input age (attribute age) is missing: the patient attribute is unknown.")
        )
        #expect(
            self.scorer.score(features: [:], attributes: [:])
                == .rejected(reason: "Input age (attribute age) is missing: the patient attribute is unknown.")
        )
    }

    @Test func theFirstBadInputInDeclarationOrderIsReported() {
        #expect(
            self.score(adl: .integer(9), cci: .integer(40))
                == .rejected(reason: "Input adl (feature Katz-ADL) is 9, outside its valid range 0 to 6.")
        )
    }

    @Test func extraValuesAreIgnored() {
        let verdict = self.scorer.score(
            features: ["Katz-ADL": .integer(6), "Lawton-IADL": .integer(8), "CCI": .integer(0), "ECOG": .integer(3)],
            attributes: ["age": .integer(70), "sex": .integer(1)]
        )
        #expect(verdict == .scored(score: .integer(0), interpretation: "fit"))
    }
}
