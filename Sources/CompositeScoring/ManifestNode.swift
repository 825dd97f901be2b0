import CompositeCore
import Yams

/// A YAML node together with where it sits in the file, so every complaint can name the file, line and field.
///
/// Values are read strictly: numbers must be written as plain (unquoted) numbers, text must not be empty, and a value
/// of the wrong shape is an error rather than something coerced, because a silently misread clinical threshold is
/// worse than a refused file.
struct ManifestNode {
    let node: Node
    let file: String
    /// The field path, such as `points[1].bands[0].max`; empty for the document itself.
    let path: String
    /// The line of the key that introduced this node; for a list or group that is where a reader looks for it.
    private let keyLine: Int?

    init(node: Node, file: String, path: String, keyLine: Int?) {
        self.node = node
        self.file = file
        self.path = path
        self.keyLine = keyLine
    }

    /// The line to report for this field.
    var line: Int? { self.keyLine ?? self.node.mark?.line }

    /// An error about this field.
    func error(_ message: String) -> ScorerLoadError {
        ScorerLoadError(file: self.file, line: self.line, field: self.path.isEmpty ? nil : self.path, message: message)
    }

    /// The path of a key below this node.
    func path(of key: String) -> String {
        self.path.isEmpty ? key : "\(self.path).\(key)"
    }

    /// Whether the value is YAML's null: nothing written, `~` or `null`.
    var isNull: Bool {
        guard case .scalar(let scalar) = self.node, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// How the value is described after "found" in messages.
    var found: String {
        if self.isNull { return "nothing" }
        switch self.node {
        case .scalar(let scalar):
            let text = scalar.string.count > 40 ? String(scalar.string.prefix(40)) + "…" : scalar.string
            return "\"\(text)\""
        case .sequence: return "a list"
        case .mapping: return "a group of key: value pairs"
        case .alias: return "an alias"
        }
    }

    // MARK: - Shapes

    /// The node as a group of keys, refusing any key not in `allowedKeys` so a misspelt key cannot pass unnoticed.
    func mapping(allowedKeys: [String]) throws(ScorerLoadError) -> ManifestMapping {
        try ManifestMapping(owner: self, allowedKeys: allowedKeys)
    }

    /// The key/value pairs of a group whose keys are chosen by the author (such as an example's inputs).
    func pairs() throws(ScorerLoadError) -> [(key: String, value: ManifestNode)] {
        guard case .mapping(let mapping) = self.node else {
            throw self.error("expected a group of key: value pairs, found \(self.found)")
        }
        var result: [(key: String, value: ManifestNode)] = []
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                let keyNode = ManifestNode(node: key, file: self.file, path: "", keyLine: nil)
                throw self.error("expected simple names as keys, found a key that is \(keyNode.found)")
            }
            let line = key.mark?.line
            result.append(
                (
                    scalar.string,
                    ManifestNode(node: value, file: self.file, path: self.path(of: scalar.string), keyLine: line)
                )
            )
        }
        return result
    }

    /// The elements of a list, each with its own `path[index]`.
    func list(nonEmpty what: String? = nil) throws(ScorerLoadError) -> [ManifestNode] {
        guard case .sequence(let sequence) = self.node else {
            throw self.error("expected a list (lines starting with \"- \"), found \(self.found)")
        }
        if let what, sequence.isEmpty {
            throw self.error("the list is empty; at least one \(what) is needed")
        }
        return sequence.enumerated().map { index, element in
            ManifestNode(node: element, file: self.file, path: "\(self.path)[\(index)]", keyLine: nil)
        }
    }

    // MARK: - Scalars

    /// Non-empty text; any scalar qualifies, so `version: 1.0` reads as the text `1.0`.
    func text() throws(ScorerLoadError) -> String {
        guard case .scalar(let scalar) = self.node, !self.isNull else {
            throw self.error("expected text, found \(self.found)")
        }
        let text = scalar.string.trimmingWhitespace
        guard !text.isEmpty else { throw self.error("expected text, found nothing") }
        return text
    }

    /// A number written plainly: `5`, `-3`, `4.5`, `1e-3`. Quoted numbers are text, as everywhere in YAML.
    func number() throws(ScorerLoadError) -> NumericValue {
        guard case .scalar(let scalar) = self.node, scalar.style == .plain || scalar.style == .any,
            let value = Self.parseNumber(scalar.string)
        else {
            throw self.error("expected a number, found \(self.found)\(self.quotedNumberHint)")
        }
        return value
    }

    /// A whole number written plainly; `5.0` is accepted as `5`.
    func integer() throws(ScorerLoadError) -> Int {
        guard case .scalar(let scalar) = self.node, scalar.style == .plain || scalar.style == .any,
            let integer = Self.parseNumber(scalar.string)?.exactInteger
        else {
            throw self.error("expected an integer, found \(self.found)\(self.quotedNumberHint)")
        }
        return integer
    }

    /// A hint for the common slip of quoting a number, which YAML then reads as text.
    private var quotedNumberHint: String {
        guard case .scalar(let scalar) = self.node, scalar.style != .plain, scalar.style != .any,
            Self.parseNumber(scalar.string.trimmingWhitespace) != nil
        else { return "" }
        return " (write numbers without quotes)"
    }

    /// `true` or `false` when written plainly, otherwise `nil`.
    var boolean: Bool? {
        guard case .scalar(let scalar) = self.node, scalar.style == .plain || scalar.style == .any else { return nil }
        switch scalar.string {
        case "true": return true
        case "false": return false
        default: return nil
        }
    }

    /// Decimal notation only (`-12`, `4.5`, `1e-3`): YAML's `.inf`, `0x1F` or `1_000` would surprise a reader of a
    /// clinical table.
    static func parseNumber(_ text: String) -> NumericValue? {
        let characters = Array(text)
        var index = 0
        func skipSign() {
            if index < characters.count, characters[index] == "+" || characters[index] == "-" {
                index += 1
            }
        }
        func skipDigits() -> Bool {
            let start = index
            while index < characters.count, characters[index].isASCII, characters[index].isNumber {
                index += 1
            }
            return index > start
        }
        skipSign()
        guard skipDigits() else { return nil }
        var isInteger = true
        if index < characters.count, characters[index] == "." {
            index += 1
            guard skipDigits() else { return nil }
            isInteger = false
        }
        if index < characters.count, characters[index] == "e" || characters[index] == "E" {
            index += 1
            skipSign()
            guard skipDigits() else { return nil }
            isInteger = false
        }
        guard index == characters.count else { return nil }
        if isInteger {
            return Int(text).map(NumericValue.integer)
        }
        guard let value = Double(text), value.isFinite else { return nil }
        return .decimal(value)
    }
}

extension String {
    /// The text without leading and trailing whitespace; the module avoids Foundation, which would provide this.
    var trimmingWhitespace: String {
        guard let start = self.firstIndex(where: { !$0.isWhitespace }),
            let end = self.lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(self[start...end])
    }
}
