/// Counts that sum to a published total, and which of them are suppressed.
struct CellPartition {
    let values: [Int]
    private(set) var suppressed: [Bool]

    init(_ values: [Int], threshold: Int) {
        self.values = values
        self.suppressed = values.map { $0 > 0 && $0 < threshold }
    }

    /// Suppresses cell `index`; whether that changed anything.
    mutating func suppress(_ index: Int) -> Bool {
        guard !self.suppressed[index] else { return false }
        self.suppressed[index] = true
        return true
    }

    /// With exactly one suppressed non-zero cell, suppresses the smallest published non-zero cell as well.
    mutating func suppressComplement() -> Bool {
        let hidden = self.values.indices.filter { self.suppressed[$0] && self.values[$0] > 0 }
        guard hidden.count == 1 else { return false }
        let candidates = self.values.indices.filter { !self.suppressed[$0] && self.values[$0] > 0 }
        guard let smallest = candidates.min(by: { self.values[$0] < self.values[$1] }) else { return false }
        return self.suppress(smallest)
    }

    /// The values with suppressed cells as `nil`.
    var published: [Int?] { self.values.indices.map { self.suppressed[$0] ? nil : self.values[$0] } }
}
