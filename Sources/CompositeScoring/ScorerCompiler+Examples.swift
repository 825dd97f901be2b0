import CompositeCore

extension ScorerCompiler {
    static let exampleKeys = ["inputs", "score", "interpretation", "error"]

    /// Runs every worked example through the finished scorer; the first one whose outcome differs refuses the file.
    func runExamples(_ node: ManifestNode, on scorer: Scorer) throws(ScorerLoadError) {
        for example in try node.list(nonEmpty: "worked example") {
            let fields = try example.mapping(allowedKeys: Self.exampleKeys)
            let (features, attributes) = try self.exampleInputs(try fields.required("inputs"), of: scorer)
            let expectation = try self.expectation(fields)
            let verdict = scorer.score(features: features, attributes: attributes)
            if let mismatch = expectation.mismatch(with: verdict) {
                throw example.error(mismatch)
            }
        }
    }

    /// The example's values, keyed by input id; `null` is a null feature score, a left-out input is missing.
    private func exampleInputs(
        _ node: ManifestNode,
        of scorer: Scorer
    ) throws(ScorerLoadError) -> (features: [String: NumericValue?], attributes: [String: NumericValue]) {
        var features: [String: NumericValue?] = [:]
        var attributes: [String: NumericValue] = [:]
        let inputIds = scorer.inputs.map(\.id)
        for (key, value) in try node.pairs() {
            guard let input = scorer.inputs.first(where: { $0.id == key }) else {
                throw value.error(
                    "unknown input \"\(key)\"\(Suggestion.hint(for: key, among: inputIds)); "
                        + "the inputs are \(inputIds.joined(separator: ", "))"
                )
            }
            let number: NumericValue? = value.isNull ? nil : try value.number()
            switch input.source {
            case .feature(let name):
                features.updateValue(number, forKey: name)
            case .attribute(let name):
                // Attributes cannot be null, only unknown.
                if let number {
                    attributes[name] = number
                }
            }
        }
        return (features, attributes)
    }

    private func expectation(_ fields: ManifestMapping) throws(ScorerLoadError) -> ExampleExpectation {
        let scoreNode = fields.optional("score")
        let interpretationNode = fields.optional("interpretation")
        guard let errorNode = fields.optional("error") else {
            let score = try fields.required("score").number()
            let label = try fields.required("interpretation").text()
            return .scored(score, interpretation: label)
        }
        if let extra = scoreNode ?? interpretationNode {
            throw extra.error("an example that expects a rejection (error:) has no score or interpretation")
        }
        switch errorNode.boolean {
        case true?:
            return .rejected(mentioning: nil)
        case false?:
            throw errorNode.error("write error: true (or a piece of the expected reason), or leave error out")
        case nil:
            return .rejected(mentioning: try errorNode.text())
        }
    }
}
