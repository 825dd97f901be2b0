extension FederatedSummary {
    /// A plain-text table for terminals: one block per featureId with its interpretations and histogram. A value
    /// written `>=N` is a lower bound (some node suppressed its share).
    public var table: String {
        var lines: [String] = []
        var range = "results published"
        if let from = self.range.from { range += " from \(from)" }
        if let to = self.range.to { range += " before \(to)" }
        if self.range.from == nil && self.range.to == nil { range += " at any time" }
        lines.append("Federated summary of \(self.nodes.count) nodes (\(self.nodes.joined(separator: ", "))), \(range)")
        if self.noisy { lines.append("Counts carry calibrated noise at one or more nodes.") }
        if self.features.isEmpty { lines.append("No composite results were released.") }
        for feature in self.features {
            lines.append("")
            var header = "\(feature.featureID): \(feature.count) results from \(feature.nodes.joined(separator: ", "))"
            if feature.moments.count > 0 {
                header += "; mean \(Self.format(feature.moments.mean))"
                if let variance = feature.moments.variance { header += ", variance \(Self.format(variance))" }
                header += " over \(feature.moments.count) scores"
                if !feature.momentsComplete { header += " (some nodes withheld theirs)" }
            }
            lines.append(header)
            var rows: [(String, String)] = []
            for (name, count) in feature.interpretations.sorted(by: { $0.key < $1.key }) {
                rows.append(("interpretation \(name)", Self.format(count)))
            }
            rows.append(("error results", Self.format(feature.errors)))
            rows.append(("unscored", Self.format(feature.unscored)))
            for (cell, count) in feature.histogram.enumerated() where count.value > 0 || !count.complete {
                rows.append(("score \(self.binning.label(ofCell: cell))", Self.format(count)))
            }
            let width = rows.map(\.0.count).max() ?? 0
            for (label, value) in rows {
                lines.append("  " + label + String(repeating: " ", count: width - label.count) + "  " + value)
            }
        }
        if self.features.contains(where: { feature in
            !feature.errors.complete || !feature.unscored.complete
                || feature.interpretations.values.contains { !$0.complete }
                || feature.histogram.contains { !$0.complete }
        }) {
            lines.append("")
            lines.append(">=N: a lower bound; at least one node suppressed a small count there.")
        }
        return lines.joined(separator: "\n")
    }

    static func format(_ count: Count) -> String {
        count.complete ? String(count.value) : ">=\(count.value)"
    }

    static func format(_ value: Double) -> String {
        let scaled = (value * 1_000).rounded() / 1_000
        return String(scaled)
    }
}
