import CompositeCore

/// One side of a band: `min`/`max` are inclusive, `above`/`below` exclusive.
struct BandBound: Sendable {
    let value: NumericValue
    let isInclusive: Bool
}
