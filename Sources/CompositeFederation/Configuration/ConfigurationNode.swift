import Yams

/// A YAML node with its file and dotted key path, so every error names file, line and key.
///
/// Values are never echoed in errors: this reader also reads key files, and a private key must not end up in a
/// terminal or a log because it was malformed.
struct ConfigurationNode {
    let node: Node
    let file: String
    let path: String

    /// Parses `text`; an empty document is an empty group.
    static func parse(_ text: String, file: String) throws(FederationError) -> ConfigurationNode {
        do {
            let node = try Yams.compose(yaml: text) ?? Node.mapping(Node.Mapping([]))
            return ConfigurationNode(node: node, file: file, path: "")
        } catch let error as YamlError {
            throw FederationError(.invalidConfiguration, file: file, line: Self.line(of: error), "not valid YAML")
        } catch {
            throw FederationError(.invalidConfiguration, file: file, "not valid YAML")
        }
    }

    static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return nil
        }
    }

    func error(_ message: String) -> FederationError {
        FederationError(
            .invalidConfiguration,
            file: self.file,
            line: self.node.mark?.line,
            key: self.path.isEmpty ? nil : self.path,
            message
        )
    }

    /// The members of a group, refusing keys outside `allowed` so a misspelt key cannot pass unnoticed.
    func members(allowed: [String]? = nil) throws(FederationError) -> [(key: String, value: ConfigurationNode)] {
        guard case .mapping(let mapping) = self.node else { throw self.error("expected a group of key: value pairs") }
        var result: [(key: String, value: ConfigurationNode)] = []
        for (key, value) in mapping {
            guard let name = key.scalar?.string else { throw self.error("expected plain names as keys") }
            let child = ConfigurationNode(
                node: value,
                file: self.file,
                path: self.path.isEmpty ? name : "\(self.path).\(name)"
            )
            if let allowed, !allowed.contains(name) {
                throw FederationError(
                    .invalidConfiguration,
                    file: self.file,
                    line: key.mark?.line,
                    key: child.path,
                    "unknown key; expected one of \(allowed.joined(separator: ", "))"
                )
            }
            result.append((name, child))
        }
        return result
    }

    /// The member `key`, or an error naming it when `required` and absent.
    func member(_ key: String, in members: [(key: String, value: ConfigurationNode)]) -> ConfigurationNode? {
        members.first { $0.key == key }?.value
    }

    func required(_ key: String, in members: [(key: String, value: ConfigurationNode)]) throws(FederationError)
        -> ConfigurationNode
    {
        guard let value = self.member(key, in: members) else {
            throw FederationError(
                .invalidConfiguration,
                file: self.file,
                line: self.node.mark?.line,
                key: self.path.isEmpty ? key : "\(self.path).\(key)",
                "missing"
            )
        }
        return value
    }

    var string: String? {
        guard let text = self.node.scalar?.string, !text.isEmpty else { return nil }
        return text
    }

    func text() throws(FederationError) -> String {
        guard let text = self.string else { throw self.error("expected text") }
        return text
    }

    func integer(in range: ClosedRange<Int>) throws(FederationError) -> Int {
        guard let value = self.node.int, range.contains(value) else {
            throw self.error("expected a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    func number() throws(FederationError) -> Double {
        guard let value = self.node.float, value.isFinite else { throw self.error("expected a number") }
        return value
    }

    func strings() throws(FederationError) -> [String] {
        guard case .sequence(let sequence) = self.node else { throw self.error("expected a list") }
        var result: [String] = []
        for element in sequence {
            guard let text = element.scalar?.string, !text.isEmpty else { throw self.error("expected a list of names") }
            result.append(text)
        }
        return result
    }
}
