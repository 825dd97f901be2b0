/// Individual acknowledgements on one Kafka partition, kept the way Kafka can store them: a committed offset (the
/// first offset not acknowledged; everything below it is) and the acknowledged offsets above it, as sorted,
/// disjoint, non-adjacent half-open ranges.
///
/// Pure value: the consumer commits ``committed`` with ``metadata(limit:)`` and rebuilds it from the broker's answer
/// with ``init(committed:metadata:)``.
public struct PartitionAcknowledgements: Sendable, Hashable {
    /// The offset to commit: every offset below it is acknowledged, this one is not.
    public private(set) var committed: Int64
    /// Acknowledged offsets above ``committed``; each range starts after a gap.
    public private(set) var ranges: [Range<Int64>]

    public init(committed: Int64, ranges: [Range<Int64>] = []) {
        self.committed = committed
        self.ranges = []
        for range in ranges { self.acknowledge(range) }
    }

    /// The state a commit stored: `committed` and the ranges `metadata` encodes relative to it. Metadata that is
    /// not ours (another client's, or damaged) counts as no acknowledgement beyond the offset: redelivery, not loss.
    public init(committed: Int64, metadata: [UInt8]) {
        self.init(committed: committed, ranges: AcknowledgementMetadata.decode(metadata, committed: committed) ?? [])
    }

    /// Whether `offset` was acknowledged.
    public func contains(_ offset: Int64) -> Bool {
        if offset < self.committed { return true }
        let index = self.firstRange(endingAfter: offset)
        return index < self.ranges.count && self.ranges[index].contains(offset)
    }

    /// Records one acknowledgement; acknowledging twice is harmless.
    public mutating func acknowledge(_ offset: Int64) {
        self.acknowledge(offset..<(offset + 1))
    }

    /// Records acknowledgements of a range of offsets.
    public mutating func acknowledge(_ range: Range<Int64>) {
        guard range.upperBound > self.committed, !range.isEmpty else { return }
        let range = max(range.lowerBound, self.committed)..<range.upperBound
        // Merge with every range that overlaps or touches it.
        var start = self.firstRange(endingAfter: range.lowerBound - 1)
        if start > 0, self.ranges[start - 1].upperBound >= range.lowerBound { start -= 1 }
        var end = start
        var merged = range
        while end < self.ranges.count, self.ranges[end].lowerBound <= merged.upperBound {
            merged =
                min(
                    merged.lowerBound,
                    self.ranges[end].lowerBound
                )..<max(merged.upperBound, self.ranges[end].upperBound)
            end += 1
        }
        self.ranges.replaceSubrange(start..<end, with: [merged])
        if let first = self.ranges.first, first.lowerBound == self.committed {
            self.committed = first.upperBound
            self.ranges.removeFirst()
        }
    }

    /// The commit metadata for the ranges, at most `limit` bytes; ranges that do not fit are left out, highest first,
    /// and `complete` says whether any was (those messages come back after a restart).
    public func metadata(limit: Int = AcknowledgementMetadata.defaultLimit) -> (bytes: [UInt8], complete: Bool) {
        AcknowledgementMetadata.encode(self.ranges, committed: self.committed, limit: limit)
    }

    /// Index of the first range whose upper bound is above `offset`.
    private func firstRange(endingAfter offset: Int64) -> Int {
        var low = 0
        var high = self.ranges.count
        while low < high {
            let middle = (low + high) / 2
            if self.ranges[middle].upperBound <= offset { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
