import CompositeCore

/// Checks at load time that a band table gives exactly one answer for every value its subject can take: no band is
/// empty or out of reach, no two bands overlap, and (when the possible values are known) there are no gaps.
///
/// Works on the bands' end points (interval arithmetic), so a range such as 0 to 10⁹ costs no more than 0 to 6.
struct BandCoverage {
    struct Row {
        let lower: BandBound?
        let upper: BandBound?
        let node: ManifestNode
    }

    /// An end of an interval of real numbers; `isIncluded` says whether the end value itself belongs to it.
    private struct Edge {
        let value: Double
        let isIncluded: Bool
    }

    private struct Span {
        let lower: Edge
        let upper: Edge
        let row: Int
    }

    let rows: [Row]
    /// The band list itself, where gaps are reported.
    let list: ManifestNode
    let domain: NumericDomain
    /// What the bands classify, for messages: `input age`, `the score`.
    let subject: String
    /// Off when the possible values are not known (an unbounded estimate); overlaps are refused all the same.
    let requiresFullCoverage: Bool

    func check() throws(ScorerLoadError) {
        let domainEnd = self.domainEnd
        var spans: [Span] = []
        for (index, row) in self.rows.enumerated() {
            spans.append(try self.span(of: row, at: index, domainEnd: domainEnd))
        }
        spans.sort { left, right in
            if left.lower.value != right.lower.value { return left.lower.value < right.lower.value }
            if left.lower.isIncluded != right.lower.isIncluded { return left.lower.isIncluded }
            return left.row < right.row
        }
        // Everything below `reach` is covered; `reach` itself is covered when `isIncluded`.
        var reach = Edge(value: self.domain.lower, isIncluded: false)
        var coveringRow: Int?
        for span in spans {
            let startsAtReach = span.lower.value == reach.value
            let leavesGap =
                span.lower.value > reach.value || (startsAtReach && !reach.isIncluded && !span.lower.isIncluded)
            if self.requiresFullCoverage, leavesGap {
                throw self.gap(
                    from: Edge(value: reach.value, isIncluded: !reach.isIncluded),
                    to: Edge(value: span.lower.value, isIncluded: !span.lower.isIncluded)
                )
            }
            let overlaps =
                span.lower.value < reach.value || (startsAtReach && reach.isIncluded && span.lower.isIncluded)
            if overlaps, let previous = coveringRow {
                let endsFirst =
                    span.upper.value < reach.value || (span.upper.value == reach.value && !span.upper.isIncluded)
                throw self.overlap(span.row, previous, lower: span.lower, upper: endsFirst ? span.upper : reach)
            }
            if span.upper.value > reach.value || (span.upper.value == reach.value && span.upper.isIncluded) {
                reach = span.upper
                coveringRow = span.row
            }
        }
        let reachesEnd =
            reach.value > domainEnd.value
            || (reach.value == domainEnd.value && (reach.isIncluded || !domainEnd.isIncluded))
        if self.requiresFullCoverage, !reachesEnd {
            throw self.gap(from: Edge(value: reach.value, isIncluded: !reach.isIncluded), to: domainEnd)
        }
    }

    /// The domain's upper end. Integer domains are handled as half-open real intervals (`5 to 6` covers [5, 7)), so
    /// that adjacent integer bands such as `max: 4` and `min: 5` meet without a gap.
    private var domainEnd: Edge {
        guard self.domain.upper.isFinite else { return Edge(value: .infinity, isIncluded: true) }
        return self.domain.isInteger
            ? Edge(value: self.domain.upper + 1, isIncluded: false)
            : Edge(value: self.domain.upper, isIncluded: true)
    }

    /// The row's interval, clipped to the domain; refuses bands that match nothing or nothing possible.
    private func span(of row: Row, at index: Int, domainEnd: Edge) throws(ScorerLoadError) -> Span {
        var lower =
            row.lower.map { Edge(value: $0.value.doubleValue, isIncluded: $0.isInclusive) }
            ?? Edge(value: -.infinity, isIncluded: true)
        var upper =
            row.upper.map { Edge(value: $0.value.doubleValue, isIncluded: $0.isInclusive) }
            ?? Edge(value: .infinity, isIncluded: true)
        if self.domain.isInteger {
            // `above: 4` is `min: 5`, `below: 7` is `max: 6`; then [a, b] becomes [a, b + 1).
            if !lower.isIncluded {
                lower = Edge(value: lower.value + 1, isIncluded: true)
            }
            let last = upper.isIncluded ? upper.value : upper.value - 1
            upper = last.isFinite ? Edge(value: last + 1, isIncluded: false) : upper
        }
        guard Self.isNonEmpty(lower, upper) else {
            throw row.node.error("this band matches no value at all: its lower bound is not below its upper bound")
        }
        if lower.value < self.domain.lower {
            lower = Edge(value: self.domain.lower, isIncluded: true)
        }
        if upper.value > domainEnd.value {
            upper = domainEnd
        }
        guard Self.isNonEmpty(lower, upper) else {
            throw row.node.error(
                "this band can never match: the possible values of \(self.subject) are \(self.domain.rangeText)"
            )
        }
        return Span(lower: lower, upper: upper, row: index)
    }

    private static func isNonEmpty(_ lower: Edge, _ upper: Edge) -> Bool {
        lower.value < upper.value || (lower.value == upper.value && lower.isIncluded && upper.isIncluded)
    }

    private func gap(from lower: Edge, to upper: Edge) -> ScorerLoadError {
        self.list.error(
            "no band covers \(self.describe(lower, upper)); the bands must cover every possible value of "
                + "\(self.subject) (\(self.domain.rangeText)) without gaps"
        )
    }

    private func overlap(_ row: Int, _ other: Int, lower: Edge, upper: Edge) -> ScorerLoadError {
        let (earlier, later) = (Swift.min(row, other), Swift.max(row, other))
        return self.rows[later].node.error(
            "this band overlaps \(self.rows[earlier].node.path) for \(self.describe(lower, upper)); "
                + "every value must fall in exactly one band"
        )
    }

    /// The values between two edges, in words; integer domains read back from their half-open form.
    private func describe(_ lower: Edge, _ upper: Edge) -> String {
        if self.domain.isInteger {
            let first = lower.isIncluded || !lower.value.isFinite ? lower.value : lower.value + 1
            let last = upper.isIncluded || !upper.value.isFinite ? upper.value : upper.value - 1
            return Self.describeIntegers(first, last)
        }
        if lower.value == upper.value {
            return "the value \(NumericValue.formatted(bound: lower.value))"
        }
        var parts: [String] = []
        if lower.value.isFinite {
            parts.append((lower.isIncluded ? "at least " : "above ") + NumericValue.formatted(bound: lower.value))
        }
        if upper.value.isFinite {
            parts.append((upper.isIncluded ? "at most " : "below ") + NumericValue.formatted(bound: upper.value))
        }
        return parts.isEmpty ? "any value" : "values " + parts.joined(separator: " and ")
    }

    private static func describeIntegers(_ first: Double, _ last: Double) -> String {
        switch (first.isFinite, last.isFinite) {
        case (true, true) where first == last: NumericValue.formatted(bound: first)
        case (true, true): "\(NumericValue.formatted(bound: first)) to \(NumericValue.formatted(bound: last))"
        case (true, false): "values from \(NumericValue.formatted(bound: first)) up"
        case (false, true): "values up to \(NumericValue.formatted(bound: last))"
        case (false, false): "any value"
        }
    }
}
