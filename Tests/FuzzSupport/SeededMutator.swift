import CompositeCore

/// Seeded mutation of valid inputs for the fuzz tests: the same seed always gives the same sequence of inputs, so a
/// failure names its seed and iteration and can be replayed.
///
/// Each mutation applies one to four edits: a bit flip, a byte replaced by a random or a syntactically interesting
/// one, a truncation, an insertion, a duplicated or deleted slice, or a slice of another seed spliced in.
public struct SeededMutator {
    private var random: SplitMix64

    /// Bytes that change a parser's path more often than random ones: delimiters, quotes, escapes, signs, digits,
    /// YAML indicators, and bytes that are not UTF-8 on their own.
    static let interesting: [UInt8] =
        Array("{}[]\":,\\-+.eE0123456789 \n\t&*!|>#'?%@`~".utf8) + [0, 0x7F, 0x80, 0xC0, 0xFF]

    public init(seed: UInt64) {
        self.random = SplitMix64(seed: seed)
    }

    /// A random index below `bound` (which must be positive).
    public mutating func index(below bound: Int) -> Int {
        Int(self.random.next() % UInt64(bound))
    }

    /// `input` with a few random edits; `others` are spliced from.
    public mutating func mutate(_ input: [UInt8], splicingFrom others: [[UInt8]] = []) -> [UInt8] {
        var bytes = input
        for _ in 0...self.index(below: 4) {
            self.edit(&bytes, others: others)
        }
        return bytes
    }

    private mutating func edit(_ bytes: inout [UInt8], others: [[UInt8]]) {
        guard !bytes.isEmpty else {
            bytes.append(Self.interesting[self.index(below: Self.interesting.count)])
            return
        }
        let at = self.index(below: bytes.count)
        switch self.index(below: 8) {
        case 0:
            bytes[at] ^= 1 << UInt8(self.index(below: 8))
        case 1:
            bytes[at] = UInt8(truncatingIfNeeded: self.random.next())
        case 2:
            bytes[at] = Self.interesting[self.index(below: Self.interesting.count)]
        case 3:
            bytes.removeSubrange(at...)
        case 4:
            bytes.insert(Self.interesting[self.index(below: Self.interesting.count)], at: at)
        case 5:
            let end = min(bytes.count, at + 1 + self.index(below: 32))
            bytes.insert(contentsOf: bytes[at..<end], at: self.index(below: bytes.count + 1))
        case 6:
            bytes.removeSubrange(at..<min(bytes.count, at + 1 + self.index(below: 16)))
        default:
            guard let other = others.isEmpty ? nil : others[self.index(below: others.count)], !other.isEmpty else {
                return
            }
            let start = self.index(below: other.count)
            let end = min(other.count, start + 1 + self.index(below: 64))
            bytes.replaceSubrange(at..<min(bytes.count, at + 1 + self.index(below: 8)), with: other[start..<end])
        }
    }
}
