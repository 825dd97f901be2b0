import CompositeCore
import CompositeScoring
import Crypto
import Testing

@Suite("Scorer identity")
struct ContentHashTests {
    /// Computed here with Crypto directly rather than through the module, so the test checks the module's encoding.
    private static func expectedHash(of source: String) -> String {
        "sha256:"
            + SHA256.hash(data: Array(source.utf8)).map { byte in
                let hex = String(byte, radix: 16)
                return byte < 16 ? "0" + hex : hex
            }.joined()
    }

    @Test func theContentHashIsTheSHA256OfTheSourceBytes() throws {
        let source = try TestSupport.composite("imwg-frailty.yaml")
        let scorer = try Scorer.compile(source: source, fileName: "imwg-frailty.yaml")
        #expect(scorer.identity.contentHash == Self.expectedHash(of: source))
        #expect(scorer.identity.contentHash.count == 7 + 64)
        #expect(
            scorer.identity
                == ScorerIdentity(id: "imwg-frailty", version: "1.0.0", contentHash: Self.expectedHash(of: source))
        )
    }

    @Test func anyChangeToTheTextChangesTheHash() throws {
        let original = try Scorer.compile(source: TestSupport.base, fileName: "test.yaml")
        let withComment = try Scorer.compile(source: TestSupport.base + "# a comment\n", fileName: "test.yaml")
        #expect(original.identity.contentHash != withComment.identity.contentHash)
        #expect(withComment.identity.contentHash == Self.expectedHash(of: TestSupport.base + "# a comment\n"))
    }

    @Test func nonASCIITextIsHashedAsUTF8() throws {
        let source = TestSupport.base(replacing: [4: "name: Score de fragilité"])
        let scorer = try Scorer.compile(source: source, fileName: "test.yaml")
        #expect(scorer.name == "Score de fragilité")
        #expect(scorer.identity.contentHash == Self.expectedHash(of: source))
    }
}
