public import CompositeCore

/// Compares replay output with an expected file as a multiset, ignoring order and JSON key order.
public struct ReplayExpectation: Sendable {
    public var expected: [JSONValue]

    /// Parses an expectation file in the replay output's line format.
    public init(contents: String, fileName: String) throws(ServiceError) {
        var expected: [JSONValue] = []
        for (offset, line) in contents.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard !line.allSatisfy(\.isWhitespace) else { continue }
            do {
                expected.append(try JSONParser.parse(String(line)))
            } catch {
                throw ServiceError(.invalidInput, file: fileName, line: offset + 1, "not JSON: \(error)")
            }
        }
        self.expected = expected
    }

    /// The differences: lines expected but not published, and lines published but not expected (each with its
    /// multiplicity). Both empty means a match.
    public func compare(_ actual: [JSONValue]) -> (missing: [JSONValue], unexpected: [JSONValue]) {
        var counts: [JSONValue: Int] = [:]
        for value in self.expected { counts[value.canonical, default: 0] += 1 }
        var unexpected: [JSONValue] = []
        for value in actual {
            let key = value.canonical
            if let count = counts[key], count > 0 {
                counts[key] = count - 1
            } else {
                unexpected.append(value)
            }
        }
        var missing: [JSONValue] = []
        for value in self.expected {
            let key = value.canonical
            if let count = counts[key], count > 0 {
                counts[key] = count - 1
                missing.append(value)
            }
        }
        return (missing, unexpected)
    }

    /// A readable diff: `- ` lines were expected and not published, `+ ` lines were published and not expected.
    public static func render(missing: [JSONValue], unexpected: [JSONValue]) -> String {
        var lines: [String] = []
        lines.append(
            "replay output differs from the expectation: \(missing.count) missing, \(unexpected.count) unexpected"
        )
        for value in missing { lines.append("- " + JSONWriter.string(value.canonical)) }
        for value in unexpected { lines.append("+ " + JSONWriter.string(value.canonical)) }
        return lines.joined(separator: "\n")
    }
}
