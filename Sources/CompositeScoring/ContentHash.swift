import Crypto

/// The content hash published with every result, so a result can be traced to the exact file that produced it.
enum ContentHash {
    /// `sha256:` followed by the lowercase hex SHA-256 of the text's UTF-8 bytes.
    static func of(_ source: String) -> String {
        let digest = SHA256.hash(data: Array(source.utf8))
        let hexDigits = Array("0123456789abcdef")
        var hex = "sha256:"
        hex.reserveCapacity(7 + 64)
        for byte in digest {
            hex.append(hexDigits[Int(byte >> 4)])
            hex.append(hexDigits[Int(byte & 0x0F)])
        }
        return hex
    }
}
