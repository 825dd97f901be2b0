/// Parses `.env` files: `KEY=VALUE` lines, `#` comments, blank lines, optional `export `, optional single or double
/// quotes around the value.
public enum DotEnvFile {
    public static func parse(_ contents: String, fileName: String) throws(ServiceError) -> [String: String] {
        var values: [String: String] = [:]
        for (offset, rawLine) in contents.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = rawLine.trimmingCharacters(in: " \t\r")
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            if line.hasPrefix("export ") {
                line = String(line.dropFirst("export ".count)).trimmingCharacters(in: " \t")
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw ServiceError(.invalidConfiguration, file: fileName, line: offset + 1, "expected KEY=VALUE")
            }
            let key = line[..<equals].trimmingCharacters(in: " \t")
            guard !key.isEmpty, key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
                throw ServiceError(.invalidConfiguration, file: fileName, line: offset + 1, "invalid key \"\(key)\"")
            }
            var value = line[line.index(after: equals)...].trimmingCharacters(in: " \t")
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            values[key] = value
        }
        return values
    }
}

extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
