import CompositeCore

/// The values a number can take, as far as the loader can tell: an inclusive interval (possibly unbounded) and whether
/// every value in it is whole.
///
/// The loader uses it to check that bands leave no gaps. Interval arithmetic may over-estimate (it does not see that
/// `a - a` is 0) but never under-estimates, so a value outside the domain really cannot occur.
struct NumericDomain: Sendable, Equatable {
    var lower: Double
    var upper: Double
    var isInteger: Bool

    static let anyNumber = NumericDomain(lower: -.infinity, upper: .infinity, isInteger: false)

    /// Whether both ends are finite, that is, whether the range of possible values is known.
    var isBounded: Bool { self.lower.isFinite && self.upper.isFinite }

    /// `0 to 5`, `up to 5`, `from 0 up`, or `any value`, for messages.
    var rangeText: String {
        switch (self.lower.isFinite, self.upper.isFinite) {
        case (true, true):
            "\(NumericValue.formatted(bound: self.lower)) to \(NumericValue.formatted(bound: self.upper))"
        case (true, false): "from \(NumericValue.formatted(bound: self.lower)) up"
        case (false, true): "up to \(NumericValue.formatted(bound: self.upper))"
        case (false, false): "any value"
        }
    }

    init(lower: Double, upper: Double, isInteger: Bool) {
        // An undefined end (inf - inf, 0 * inf) means the loader cannot tell, so it widens to unbounded.
        self.lower = lower.isNaN ? -.infinity : lower
        self.upper = upper.isNaN ? .infinity : upper
        self.isInteger = isInteger
    }

    init(exactly value: NumericValue) {
        switch value {
        case .integer(let integer): self.init(lower: Double(integer), upper: Double(integer), isInteger: true)
        case .decimal(let decimal): self.init(lower: decimal, upper: decimal, isInteger: false)
        }
    }

    // MARK: - Interval arithmetic

    func combined(_ operation: Expression.ArithmeticOperator, _ other: NumericDomain) -> NumericDomain {
        let bothInteger = self.isInteger && other.isInteger
        switch operation {
        case .add:
            return NumericDomain(
                lower: self.lower + other.lower,
                upper: self.upper + other.upper,
                isInteger: bothInteger
            )
        case .subtract:
            return NumericDomain(
                lower: self.lower - other.upper,
                upper: self.upper - other.lower,
                isInteger: bothInteger
            )
        case .multiply:
            // 0 × ∞ is 0 here: a finite end of 0 is attained, so the product there really is 0.
            let products = [
                self.lower * other.lower, self.lower * other.upper, self.upper * other.lower, self.upper * other.upper,
            ].map { $0.isNaN ? 0 : $0 }
            return NumericDomain(lower: products.min()!, upper: products.max()!, isInteger: bothInteger)
        case .divide:
            guard other.lower > 0 || other.upper < 0 else { return .anyNumber }
            let quotients = [
                self.lower / other.lower, self.lower / other.upper, self.upper / other.lower, self.upper / other.upper,
            ]
            guard !quotients.contains(where: \.isNaN) else { return .anyNumber }
            return NumericDomain(lower: quotients.min()!, upper: quotients.max()!, isInteger: false)
        }
    }

    var negated: NumericDomain {
        NumericDomain(lower: -self.upper, upper: -self.lower, isInteger: self.isInteger)
    }

    var absolute: NumericDomain {
        if self.lower >= 0 { return self }
        if self.upper <= 0 { return self.negated }
        return NumericDomain(lower: 0, upper: Swift.max(-self.lower, self.upper), isInteger: self.isInteger)
    }

    func rounded(_ rule: FloatingPointRoundingRule) -> NumericDomain {
        NumericDomain(lower: self.lower.rounded(rule), upper: self.upper.rounded(rule), isInteger: true)
    }

    /// The domain of `min` (or `max`) of values from each of `domains`.
    static func extreme(_ domains: [NumericDomain], smallest: Bool) -> NumericDomain {
        let pick: (Double, Double) -> Double = smallest ? { Swift.min($0, $1) } : { Swift.max($0, $1) }
        return NumericDomain(
            lower: domains.map(\.lower).dropFirst().reduce(domains[0].lower, pick),
            upper: domains.map(\.upper).dropFirst().reduce(domains[0].upper, pick),
            isInteger: domains.allSatisfy(\.isInteger)
        )
    }

    /// The smallest domain containing both.
    func union(_ other: NumericDomain) -> NumericDomain {
        NumericDomain(
            lower: Swift.min(self.lower, other.lower),
            upper: Swift.max(self.upper, other.upper),
            isInteger: self.isInteger && other.isInteger
        )
    }
}
