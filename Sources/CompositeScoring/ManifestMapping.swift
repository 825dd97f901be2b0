import Yams

/// A YAML group of keys whose keys were checked against the set the format allows.
struct ManifestMapping {
    let owner: ManifestNode
    private let entries: [String: ManifestNode]

    init(owner: ManifestNode, allowedKeys: [String]) throws(ScorerLoadError) {
        guard case .mapping(let mapping) = owner.node else {
            let expected = "a group of key: value pairs (" + allowedKeys.joined(separator: ", ") + ")"
            throw owner.error("expected \(expected), found \(owner.found)")
        }
        var entries: [String: ManifestNode] = [:]
        for (key, value) in mapping {
            let keyLine = key.mark?.line
            guard case .scalar(let scalar) = key else {
                throw ScorerLoadError(
                    file: owner.file,
                    line: keyLine,
                    field: owner.path.isEmpty ? nil : owner.path,
                    message: "expected simple names as keys"
                )
            }
            let name = scalar.string
            let path = owner.path(of: name)
            guard allowedKeys.contains(name) else {
                let hint = Suggestion.hint(for: name, among: allowedKeys)
                throw ScorerLoadError(
                    file: owner.file,
                    line: keyLine,
                    field: path,
                    message: "unknown key \"\(name)\"\(hint); "
                        + "the keys allowed here are \(allowedKeys.joined(separator: ", "))"
                )
            }
            entries[name] = ManifestNode(node: value, file: owner.file, path: path, keyLine: keyLine)
        }
        self.owner = owner
        self.entries = entries
    }

    /// The value of a key the format requires.
    func required(_ key: String) throws(ScorerLoadError) -> ManifestNode {
        guard let node = self.entries[key] else {
            throw ScorerLoadError(
                file: self.owner.file,
                line: self.owner.line,
                field: self.owner.path(of: key),
                message: "the required key \"\(key)\" is missing"
            )
        }
        return node
    }

    /// The value of an optional key, or `nil` when the key is absent.
    func optional(_ key: String) -> ManifestNode? {
        self.entries[key]
    }
}
