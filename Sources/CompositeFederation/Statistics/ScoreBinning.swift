import CompositeCore

/// The histogram bins of scores: `count` bins of equal `width` from `lower`, plus an underflow bin (below `lower`)
/// and an overflow bin (at or above `lower + count × width`), so every score falls in exactly one bin.
///
/// Bin `i` (1...count) holds scores in `[lower + (i-1)·width, lower + i·width)`. The defaults (11 bins of width 1 from
/// 0) give one bin per integer score from 0 to 10, which covers the IMWG frailty score (0–5) with room to spare.
public struct ScoreBinning: Sendable, Hashable {
    /// Default: 0.
    public var lower: Double
    /// Default: 1.
    public var width: Double
    /// Default: 11.
    public var count: Int

    public init(lower: Double = 0, width: Double = 1, count: Int = 11) {
        self.lower = lower
        self.width = width
        self.count = count
    }

    /// Cells of the histogram: underflow, the `count` bins, overflow.
    public var cellCount: Int { self.count + 2 }

    /// The cell a score falls in: 0 underflow, 1...count the bins, count + 1 overflow.
    public func cell(for score: Double) -> Int {
        guard score >= self.lower else { return 0 }
        let index = ((score - self.lower) / self.width).rounded(.down)
        guard index < Double(self.count) else { return self.count + 1 }
        return Int(index) + 1
    }

    /// A short label for a cell: `<0`, `[0,1)`, `>=11`.
    public func label(ofCell cell: Int) -> String {
        func number(_ value: Double) -> String {
            value.rounded() == value && abs(value) < 1e15 ? String(Int(value)) : String(value)
        }
        if cell == 0 { return "<\(number(self.lower))" }
        if cell == self.count + 1 { return ">=\(number(self.lower + Double(self.count) * self.width))" }
        let low = self.lower + Double(cell - 1) * self.width
        return "[\(number(low)),\(number(low + self.width)))"
    }

    var json: JSONValue {
        .object(
            JSONObject([
                (key: "lower", value: .number(.decimal(self.lower))),
                (key: "width", value: .number(.decimal(self.width))),
                (key: "count", value: .number(.integer(self.count))),
            ])
        )
    }

    init(json: JSONValue) throws(FederationError) {
        guard case .number(let lower)? = json["lower"], case .number(let width)? = json["width"],
            case .number(let count)? = json["count"], let bins = count.exactInteger
        else { throw FederationError(.invalidPayload, key: "binning", "expected lower, width and count") }
        self.init(lower: lower.doubleValue, width: width.doubleValue, count: bins)
        try self.validate()
    }

    /// Refuses bins that cannot sort scores: a width that is not positive, or a count out of 1...1000.
    public func validate() throws(FederationError) {
        guard self.width > 0, self.width.isFinite, self.lower.isFinite, (1...1_000).contains(self.count) else {
            throw FederationError(
                .invalidConfiguration,
                key: "binning",
                "needs a finite lower bound, a positive width and 1 to 1000 bins"
            )
        }
    }
}
