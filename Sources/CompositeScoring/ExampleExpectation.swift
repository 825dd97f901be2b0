import CompositeCore

/// What a worked example in a scorer file says the scorer must give for its inputs.
enum ExampleExpectation: Sendable {
    case scored(NumericValue, interpretation: String)
    /// A rejection; when `mentioning` is given, the reason must contain it (ignoring case).
    case rejected(mentioning: String?)

    /// Why `verdict` does not meet the expectation, or `nil` when it does.
    func mismatch(with verdict: ScorerVerdict) -> String? {
        switch (self, verdict) {
        case (.scored(let expected, let label), .scored(let actual, let actualLabel)):
            guard !Self.sameScore(expected, actual) || label != actualLabel else { return nil }
            return "expected score \(expected.formatted) (\(label)), but the scorer gives "
                + "\(actual.formatted) (\(actualLabel ?? "no interpretation"))"
        case (.scored(let expected, let label), .rejected(let reason)):
            return "expected score \(expected.formatted) (\(label)), but the inputs are rejected: \(reason)"
        case (.rejected(let text), .rejected(let reason)):
            guard let text, !reason.lowercased().contains(text.lowercased()) else { return nil }
            return "expected a rejection mentioning \"\(text)\", but the reason given is: \(reason)"
        case (.rejected(let text), .scored(let actual, let actualLabel)):
            let mentioning = text.map { " mentioning \"\($0)\"" } ?? ""
            return "expected a rejection\(mentioning), but the scorer gives "
                + "\(actual.formatted) (\(actualLabel ?? "no interpretation"))"
        }
    }

    /// Integers compare exactly; decimals to about nine significant digits, since `0.1 + 0.2` is not exactly `0.3`.
    static func sameScore(_ expected: NumericValue, _ actual: NumericValue) -> Bool {
        if case .integer(let left) = expected, case .integer(let right) = actual {
            return left == right
        }
        let left = expected.doubleValue
        let right = actual.doubleValue
        return abs(left - right) <= 1e-9 * Swift.max(1, abs(left), abs(right))
    }
}
