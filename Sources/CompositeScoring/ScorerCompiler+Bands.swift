import CompositeCore

extension ScorerCompiler {
    /// Reads a band table (`min`/`max` inclusive, `above`/`below` exclusive, plus the outcome key) and checks that it
    /// gives exactly one outcome for every possible value of its subject.
    func bands<Outcome: Sendable>(
        _ list: ManifestNode,
        outcomeKey: String,
        domain: NumericDomain,
        subject: String,
        requiresFullCoverage: Bool,
        outcome: (ManifestNode) throws(ScorerLoadError) -> Outcome
    ) throws(ScorerLoadError) -> [Band<Outcome>] {
        var bands: [Band<Outcome>] = []
        var rows: [BandCoverage.Row] = []
        for element in try list.list(nonEmpty: "band") {
            let fields = try element.mapping(allowedKeys: ["min", "max", "above", "below", outcomeKey])
            let lower = try self.bound(fields, inclusive: "min", exclusive: "above", domain: domain, subject: subject)
            let upper = try self.bound(fields, inclusive: "max", exclusive: "below", domain: domain, subject: subject)
            let value = try outcome(try fields.required(outcomeKey))
            bands.append(Band(lower: lower, upper: upper, outcome: value))
            rows.append(BandCoverage.Row(lower: lower, upper: upper, node: element))
        }
        try BandCoverage(
            rows: rows,
            list: list,
            domain: domain,
            subject: subject,
            requiresFullCoverage: requiresFullCoverage
        ).check()
        return bands
    }

    private func bound(
        _ fields: ManifestMapping,
        inclusive inclusiveKey: String,
        exclusive exclusiveKey: String,
        domain: NumericDomain,
        subject: String
    ) throws(ScorerLoadError) -> BandBound? {
        let inclusiveNode = fields.optional(inclusiveKey)
        let exclusiveNode = fields.optional(exclusiveKey)
        if inclusiveNode != nil, let exclusiveNode {
            throw exclusiveNode.error("use either \(inclusiveKey) or \(exclusiveKey), not both")
        }
        guard let node = inclusiveNode ?? exclusiveNode else { return nil }
        let value = try node.number()
        guard domain.isInteger else {
            return BandBound(value: value, isInclusive: inclusiveNode != nil)
        }
        guard let integer = value.exactInteger else {
            throw node.error("expected an integer, because \(subject) is always a whole number; found \(node.found)")
        }
        return BandBound(value: .integer(integer), isInclusive: inclusiveNode != nil)
    }
}
