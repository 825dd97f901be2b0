import CompositeCore
import Yams

/// Turns a scorer file's text into a ``Scorer``, refusing the file with the first problem found.
///
/// Reading order follows the file: header, inputs, points, score, interpretation, then the worked examples are run
/// against the finished scorer through its public ``Scorer/score(features:attributes:)``.
struct ScorerCompiler {
    static let format = "composite-scorer/1"
    static let topLevelKeys = [
        "format", "id", "featureId", "name", "version", "reference", "inputs", "points", "score", "interpretation",
        "examples",
    ]

    let source: String
    let fileName: String

    func compile() throws(ScorerLoadError) -> Scorer {
        let root = try self.document()
        let manifest = try root.mapping(allowedKeys: Self.topLevelKeys)
        try self.checkFormat(try manifest.required("format"))
        let id = try self.scorerId(try manifest.required("id"))
        let featureIdNode = try manifest.required("featureId")
        let featureId = try self.name(featureIdNode, what: "feature id")
        let name = try manifest.required("name").text()
        let version = try manifest.required("version").text()
        let reference = try manifest.required("reference").text()

        var slots = SlotTable()
        let inputs = try self.inputs(try manifest.required("inputs"), featureId: featureId, slots: &slots)
        let points = try self.points(manifest.optional("points"), slots: &slots)
        let (score, scoreDomain) = try self.score(manifest, inputCount: inputs.count, points: points, slots: slots)
        let interpretation = try self.bands(
            try manifest.required("interpretation"),
            outcomeKey: "label",
            domain: scoreDomain,
            subject: "the score",
            requiresFullCoverage: scoreDomain.isBounded
        ) { node throws(ScorerLoadError) in try node.text() }

        let scorer = Scorer(
            featureId: featureId,
            identity: ScorerIdentity(id: id, version: version, contentHash: ContentHash.of(self.source)),
            name: name,
            reference: reference,
            fileName: self.fileName,
            inputs: inputs,
            program: ScoringProgram(points: points, score: score, interpretation: interpretation),
            featureIdLine: featureIdNode.line
        )
        try self.runExamples(try manifest.required("examples"), on: scorer)
        return scorer
    }

    // MARK: - Document

    private func document() throws(ScorerLoadError) -> ManifestNode {
        let size = self.source.utf8.count
        guard size <= Scorer.maximumSourceSize else {
            throw ScorerLoadError(
                file: self.fileName,
                line: nil,
                field: nil,
                message: "the file is \(size) bytes; a scorer file may be at most \(Scorer.maximumSourceSize) bytes"
            )
        }
        // Before any node is built: building them is where an alias bomb costs its minutes.
        try ManifestScan.check(self.source, fileName: self.fileName)
        let node: Node?
        do {
            node = try Yams.compose(yaml: self.source)
        } catch let error as YamlError {
            throw self.syntaxError(error)
        } catch {
            throw ScorerLoadError(
                file: self.fileName,
                line: nil,
                field: nil,
                message: "the file is not valid YAML: \(error)"
            )
        }
        guard let node else {
            throw ScorerLoadError(file: self.fileName, line: nil, field: nil, message: "the file is empty")
        }
        return ManifestNode(node: node, file: self.fileName, path: "", keyLine: nil)
    }

    private func syntaxError(_ error: YamlError) -> ScorerLoadError {
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            var message = "YAML syntax error: \(problem)"
            if let context {
                // libyaml splits some messages as "expected X" + "but found Y"; those read best in that order.
                message =
                    problem.hasPrefix("but ")
                    ? "YAML syntax error: \(context.text), \(problem)"
                    : message + " (\(context.text) at line \(context.mark.line))"
            }
            if problem.contains("tab") || problem.contains("cannot start any token") {
                message += "; indent with spaces, not tabs"
            }
            return ScorerLoadError(file: self.fileName, line: mark.line, field: nil, message: message)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "\"\($0)\"" }.joined(separator: ", ")
            return ScorerLoadError(
                file: self.fileName,
                line: context.mark.line,
                field: nil,
                message: "the key \(keys) is written more than once in the same group"
            )
        default:
            return ScorerLoadError(
                file: self.fileName,
                line: nil,
                field: nil,
                message: "the file is not valid YAML: \(error)"
            )
        }
    }

    // MARK: - Header

    private func checkFormat(_ node: ManifestNode) throws(ScorerLoadError) {
        let format = try node.text()
        guard format == Self.format else {
            throw node.error("unsupported format \"\(format)\"; this service reads \(Self.format)")
        }
    }

    private func scorerId(_ node: ManifestNode) throws(ScorerLoadError) -> String {
        let id = try node.text()
        let isValid =
            id.first.map { $0.isASCII && ($0.isLetter || $0.isNumber) } == true
            && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
        guard isValid else {
            throw node.error(
                "\"\(id)\" cannot be a scorer id: use letters, digits, -, _ and . only (for example imwg-frailty)"
            )
        }
        return id
    }

    /// A feature or attribute name: free-form, but a single word, since it is matched exactly.
    func name(_ node: ManifestNode, what: String) throws(ScorerLoadError) -> String {
        let name = try node.text()
        guard !name.contains(where: \.isWhitespace) else {
            throw node.error("\"\(name)\" cannot be a \(what): it must not contain spaces")
        }
        return name
    }

    /// An input or point id, used as a name in expressions.
    func valueId(_ node: ManifestNode, slots: SlotTable) throws(ScorerLoadError) -> String {
        let id = try node.text()
        let isIdentifier =
            id.first.map { $0.isASCII && ($0.isLetter || $0 == "_") } == true
            && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
        guard isIdentifier else {
            throw node.error(
                "\"\(id)\" cannot be an id: ids are used as names in expressions, so they consist of letters, digits "
                    + "and _ and start with a letter (for example katzAdl or katz_adl)"
            )
        }
        guard !["and", "or", "not"].contains(id), ExpressionFunction(rawValue: id) == nil else {
            throw node.error("\"\(id)\" cannot be an id: it is a word of the expression language")
        }
        if let other = slots.definition(of: id) {
            throw node.error("the id \"\(id)\" is already used by \(other)")
        }
        return id
    }

    // MARK: - Expressions

    /// Parses an expression field, turning a problem into an error that names the field and the column.
    func expression(_ node: ManifestNode, scope: ExpressionScope) throws(ScorerLoadError) -> Expression {
        let text = try node.text()
        do throws(ExpressionError) {
            return try ExpressionParser.parse(text, scope: scope)
        } catch {
            throw node.error(error.message)
        }
    }

    /// The possible values of a numeric expression field, after checking its types.
    func numberDomain(
        _ node: ManifestNode,
        _ expression: Expression,
        slots: SlotTable,
        role: String
    ) throws(ScorerLoadError) -> NumericDomain {
        do throws(ExpressionError) {
            return try slots.analyzer.numberDomain(of: expression, role: role)
        } catch {
            throw node.error(error.message)
        }
    }
}
