import Crypto

/// Derives a composite result's `resultId` from the composite's identity alone, so every run, restart and replay
/// gives the same composite the same id and downstream services can recognise a repeated publication.
public enum ResultIdentifier {
    /// 24 lowercase hex digits: the first 96 bits of SHA-256 over a versioned domain tag, the tenant and the
    /// occurrence id (`1` and `"1"` give the same id).
    public static func make(tenant: String, occurrence: OccurrenceID) -> String {
        var input = Array("composite-service/result-id/v1".utf8)
        input.append(0)
        input.append(contentsOf: tenant.utf8)
        input.append(0)
        input.append(contentsOf: occurrence.text.utf8)
        let digest = SHA256.hash(data: input)
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(24)
        for byte in digest.prefix(12) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }
}
