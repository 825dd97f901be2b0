import Foundation

/// The commit-metadata encoding of acknowledged offsets above a partition's committed offset.
///
/// Format: `ack1:` followed by base64 (commit metadata is a string in Kafka's protocol) of unsigned LEB128 varints, two per range: the gap from the previous range's
/// end (the committed offset for the first) to the range's start, then the range's length. Ranges are sorted, so
/// every number is small; a run of 1 000 individually acknowledged, non-adjacent messages takes about 2.7 KB.
public enum AcknowledgementMetadata {
    /// Kafka's default `offset.metadata.max.bytes`: brokers refuse longer commit metadata.
    public static let defaultLimit = 4_096
    static let prefix = Array("ack1:".utf8)

    /// Encodes the lowest ranges that fit in `limit` bytes; `complete` is false when some were left out.
    public static func encode(_ ranges: [Range<Int64>], committed: Int64, limit: Int) -> (
        bytes: [UInt8], complete: Bool
    ) {
        guard !ranges.isEmpty else { return ([], true) }
        var raw: [UInt8] = []
        var previous = committed
        var complete = true
        for range in ranges {
            var candidate = raw
            Self.appendVarint(UInt64(range.lowerBound - previous), to: &candidate)
            Self.appendVarint(UInt64(range.count), to: &candidate)
            guard Self.prefix.count + (candidate.count + 2) / 3 * 4 <= limit else {
                complete = false
                break
            }
            raw = candidate
            previous = range.upperBound
        }
        guard !raw.isEmpty else { return ([], false) }
        return (Self.prefix + Array(Data(raw).base64EncodedString().utf8), complete)
    }

    /// The ranges `metadata` encodes relative to `committed`, or nil when it is not this format.
    public static func decode(_ metadata: [UInt8], committed: Int64) -> [Range<Int64>]? {
        guard metadata.starts(with: Self.prefix),
            let raw = Data(base64Encoded: Data(metadata.dropFirst(Self.prefix.count))).map(Array.init)
        else { return nil }
        var ranges: [Range<Int64>] = []
        var index = 0
        var previous = committed
        while index < raw.count {
            guard let gap = Self.readVarint(raw, &index), let length = Self.readVarint(raw, &index),
                gap < UInt64(Int64.max / 4), length > 0, length < UInt64(Int64.max / 4)
            else { return nil }
            // The metadata is whatever the group's last commit stored: offsets past Int64 are not ours.
            let (start, startOverflow) = previous.addingReportingOverflow(Int64(gap))
            let (end, endOverflow) = start.addingReportingOverflow(Int64(length))
            guard !startOverflow, !endOverflow else { return nil }
            ranges.append(start..<end)
            previous = end
        }
        return ranges
    }

    static func appendVarint(_ value: UInt64, to bytes: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7f) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    static func readVarint(_ bytes: [UInt8], _ index: inout Int) -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while index < bytes.count, shift < 64 {
            let byte = bytes[index]
            index += 1
            value |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
        return nil
    }
}
