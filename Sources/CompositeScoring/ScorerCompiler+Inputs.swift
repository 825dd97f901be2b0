import CompositeCore

extension ScorerCompiler {
    static let inputKeys = ["id", "feature", "attribute", "type", "range"]
    /// Integer range ends are kept as `Double` in ``ScorerInput/range``; beyond 2⁵³ they would lose exactness.
    static let largestExactInteger = 9_007_199_254_740_992

    func inputs(
        _ node: ManifestNode,
        featureId: String,
        slots: inout SlotTable
    ) throws(ScorerLoadError) -> [ScorerInput] {
        var inputs: [ScorerInput] = []
        var readers: [ScorerInput.Source: String] = [:]
        for element in try node.list(nonEmpty: "input") {
            let fields = try element.mapping(allowedKeys: Self.inputKeys)
            let id = try self.valueId(try fields.required("id"), slots: slots)
            let (source, sourceNode) = try self.source(fields, of: element, featureId: featureId)
            if let other = readers[source] {
                throw sourceNode.error("this value is already read by input \(other); declare it once")
            }
            readers[source] = id
            let typeNode = try fields.required("type")
            let typeText = try typeNode.text()
            guard let type = ScorerInput.ValueType(rawValue: typeText) else {
                let hint = Suggestion.hint(for: typeText, among: ["integer", "number"])
                throw typeNode.error("expected integer or number, found \"\(typeText)\"\(hint)")
            }
            var range: ClosedRange<Double>?
            if let rangeNode = fields.optional("range") {
                range = try self.range(rangeNode, type: type)
            }
            inputs.append(ScorerInput(id: id, source: source, type: type, range: range))
            let domain = NumericDomain(
                lower: range?.lowerBound ?? -.infinity,
                upper: range?.upperBound ?? .infinity,
                isInteger: type == .integer
            )
            slots.define(id, domain: domain, isInput: true, path: element.path)
        }
        return inputs
    }

    private func source(
        _ fields: ManifestMapping,
        of element: ManifestNode,
        featureId: String
    ) throws(ScorerLoadError) -> (ScorerInput.Source, ManifestNode) {
        switch (fields.optional("feature"), fields.optional("attribute")) {
        case (let featureNode?, nil):
            let feature = try self.name(featureNode, what: "feature id")
            guard feature != featureId else {
                throw featureNode.error("a composite cannot use its own score (\(featureId)) as an input")
            }
            return (.feature(feature), featureNode)
        case (nil, let attributeNode?):
            return (.attribute(try self.name(attributeNode, what: "attribute name")), attributeNode)
        case (_?, let attributeNode?):
            throw attributeNode.error("an input reads either a feature or an attribute, not both")
        case (nil, nil):
            throw element.error(
                "the input does not say where its value comes from: add feature: (a component's score) "
                    + "or attribute: (a patient attribute)"
            )
        }
    }

    private func range(_ node: ManifestNode, type: ScorerInput.ValueType) throws(ScorerLoadError) -> ClosedRange<Double>
    {
        let ends = try node.list()
        guard ends.count == 2 else {
            throw node.error(
                "expected two numbers, [lowest, highest], found \(ends.count) value\(ends.count == 1 ? "" : "s")"
            )
        }
        var bounds: [Double] = []
        for end in ends {
            switch type {
            case .integer:
                let integer = try end.integer()
                guard integer.magnitude <= Self.largestExactInteger.magnitude else {
                    throw end.error(
                        "\(integer) is out of bounds; integer ranges must lie within ±\(Self.largestExactInteger)"
                    )
                }
                bounds.append(Double(integer))
            case .number:
                bounds.append(try end.number().doubleValue)
            }
        }
        guard bounds[0] <= bounds[1] else {
            throw node.error(
                "the lowest value \(NumericValue.formatted(bound: bounds[0])) is above the highest value "
                    + NumericValue.formatted(bound: bounds[1])
            )
        }
        return bounds[0]...bounds[1]
    }
}
