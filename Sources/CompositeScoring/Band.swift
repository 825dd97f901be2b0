import CompositeCore

/// One row of a band table: the values it covers and what it gives (points or an interpretation label).
///
/// `min`/`max` include their bound, `above`/`below` exclude it; a missing bound leaves that side open.
struct Band<Outcome: Sendable>: Sendable {
    let lower: BandBound?
    let upper: BandBound?
    let outcome: Outcome

    func contains(_ value: NumericValue) -> Bool {
        if let lower = self.lower {
            let order = NumericValue.compare(value, lower.value)
            guard order > 0 || (order == 0 && lower.isInclusive) else { return false }
        }
        if let upper = self.upper {
            let order = NumericValue.compare(value, upper.value)
            guard order < 0 || (order == 0 && upper.isInclusive) else { return false }
        }
        return true
    }
}

extension Array {
    /// The outcome of the first band that contains `value`; tables are checked at load so that at most one does.
    func firstOutcome<Outcome>(for value: NumericValue) -> Outcome? where Element == Band<Outcome> {
        self.first { $0.contains(value) }?.outcome
    }
}
