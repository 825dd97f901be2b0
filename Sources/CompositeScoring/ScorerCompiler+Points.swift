import CompositeCore
import Yams

extension ScorerCompiler {
    static let pointKeys = ["id", "input", "bands", "expression"]

    func points(_ node: ManifestNode?, slots: inout SlotTable) throws(ScorerLoadError) -> [ScoringProgram.Point] {
        guard let node else { return [] }
        let elements = try node.list()
        // Known up front so that using a point before its definition can be explained as such.
        var laterIds = Set(elements.compactMap(Self.declaredId))
        var points: [ScoringProgram.Point] = []
        for element in elements {
            let fields = try element.mapping(allowedKeys: Self.pointKeys)
            let id = try self.valueId(try fields.required("id"), slots: slots)
            laterIds.remove(id)
            var scope = slots.scope
            scope.laterNames = laterIds
            let (rule, domain) = try self.rule(fields, of: element, scope: scope, slots: slots)
            points.append(ScoringProgram.Point(id: id, rule: rule))
            slots.define(id, domain: domain, isInput: false, path: element.path)
        }
        return points
    }

    private static func declaredId(_ element: ManifestNode) -> String? {
        guard case .mapping(let mapping) = element.node else { return nil }
        return mapping.first { $0.key.string == "id" }?.value.string?.trimmingWhitespace
    }

    private func rule(
        _ fields: ManifestMapping,
        of element: ManifestNode,
        scope: ExpressionScope,
        slots: SlotTable
    ) throws(ScorerLoadError) -> (ScoringProgram.Rule, NumericDomain) {
        let inputNode = fields.optional("input")
        let bandsNode = fields.optional("bands")
        if let expressionNode = fields.optional("expression") {
            if let extra = inputNode ?? bandsNode {
                throw extra.error("a point is computed either from an input with bands, or by an expression, not both")
            }
            let expression = try self.expression(expressionNode, scope: scope)
            let domain = try self.numberDomain(expressionNode, expression, slots: slots, role: "a points expression")
            return (.expression(expression), domain)
        }
        guard let inputNode, let bandsNode else {
            throw element.error(
                "a point needs either input: with bands: (a points table) or expression: (a formula)"
            )
        }
        let name = try inputNode.text()
        guard let slot = scope.slots[name] else {
            if scope.laterNames.contains(name) {
                throw inputNode.error(
                    "\"\(name)\" is defined further down; a point can use only the inputs and the points above it"
                )
            }
            throw inputNode.error("unknown input \"\(name)\"\(Suggestion.hint(for: name, among: scope.names))")
        }
        let domain = slots.domains[slot]
        let isInput = slots.isInput[slot]
        let bands = try self.bands(
            bandsNode,
            outcomeKey: "points",
            domain: domain,
            subject: isInput ? "input \(name)" : "points \(name)",
            requiresFullCoverage: isInput || domain.isBounded
        ) { node throws(ScorerLoadError) in try node.number() }
        let outcomes = bands.map { NumericDomain(exactly: $0.outcome) }
        let pointDomain = outcomes.dropFirst().reduce(outcomes[0]) { $0.union($1) }
        return (.bands(slot: slot, name: name, bands), pointDomain)
    }

    /// The score expression, or the sum of all points when the file gives none.
    func score(
        _ manifest: ManifestMapping,
        inputCount: Int,
        points: [ScoringProgram.Point],
        slots: SlotTable
    ) throws(ScorerLoadError) -> (Expression, NumericDomain) {
        if let node = manifest.optional("score") {
            let expression = try self.expression(node, scope: slots.scope)
            return (expression, try self.numberDomain(node, expression, slots: slots, role: "the score"))
        }
        let pointSlots = points.indices.map { (slot: inputCount + $0, name: points[$0].id) }
        guard let sum = Expression.sum(of: pointSlots) else {
            throw ScorerLoadError(
                file: self.fileName,
                line: manifest.owner.line,
                field: "score",
                message: "the file has no points, so it needs a score expression"
            )
        }
        return (sum, try self.numberDomain(manifest.owner, sum, slots: slots, role: "the score"))
    }
}
