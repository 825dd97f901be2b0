import CompositeScoring
import Testing

/// Scorer files are refused, quickly and with file, line and field, before their YAML is built into nodes when they
/// could make building them costly: anchors and aliases (the alias bomb), too many values, too deep a nesting, too
/// many bytes.
@Suite("Hostile YAML is refused before it is read")
struct HostileYAMLTests {
    /// About 440 bytes whose last key is an alias expanding to 9^9 strings: the YAML reader hashes that expansion to
    /// look for repeated keys, which took over three minutes.
    static let aliasBomb: String = {
        var lines = ["format: composite-scorer/1", "id: bomb", "l0: &a0 [x,x,x,x,x,x,x,x,x]"]
        for level in 1...8 {
            let alias = "*a\(level - 1)"
            lines.append("l\(level): &a\(level) [" + Array(repeating: alias, count: 9).joined(separator: ",") + "]")
        }
        lines.append("keys: {*a8: 1}")
        return lines.joined(separator: "\n") + "\n"
    }()

    @Test func theAliasBombIsRefusedAtItsFirstAnchor() throws {
        #expect(Self.aliasBomb.utf8.count < 450)
        let error = try #require(TestSupport.loadError(Self.aliasBomb, fileName: "bomb.yaml"))
        #expect(
            error.description
                == "bomb.yaml:3: l0: anchors (&a0) are not allowed in scorer files; write the value out where it is used"
        )
    }

    @Test func anAliasIsRefusedWhereverItIs() throws {
        let value = try #require(TestSupport.loadError(TestSupport.base(replacing: [5: "version: *v"])))
        #expect(value.line == 5 && value.field == "version")
        #expect(value.message == "aliases (*v) are not allowed in scorer files; write the value out")
        let key = try #require(TestSupport.loadError(TestSupport.base(replacing: [9: "    *k: A"])))
        #expect(key.line == 9 && key.field == "inputs[0]")
        let anchoredKey = try #require(
            TestSupport.loadError(TestSupport.base(replacing: [20: "      - { &m max: 4, points: 0 }"]))
        )
        #expect(anchoredKey.line == 20 && anchoredKey.field == "points[0].bands[0]")
        #expect(anchoredKey.message.hasPrefix("anchors (&m) are not allowed"))
    }

    @Test func tooManyValuesOrTooDeepANestingIsRefused() throws {
        let many = TestSupport.base + "extra: [" + Array(repeating: "1", count: 20_001).joined(separator: ",") + "]\n"
        let count = try #require(TestSupport.loadError(many))
        #expect(count.line == 35 && count.field == "extra[19899]")
        #expect(count.message == "the file has more than 20000 values; a scorer file needs far fewer")
        let deep =
            TestSupport.base + "extra: " + String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
            + "\n"
        let nesting = try #require(TestSupport.loadError(deep))
        #expect(nesting.line == 35 && nesting.message == "nesting deeper than 64 levels is not allowed")
    }

    @Test func aFileOverTheSizeLimitIsRefusedBeforeItIsRead() throws {
        let padding = String(repeating: "#", count: Scorer.maximumSourceSize)
        let error = try #require(TestSupport.loadError(TestSupport.base + padding))
        #expect(error.line == nil && error.field == nil)
        #expect(
            error.message
                == "the file is \(TestSupport.base.utf8.count + Scorer.maximumSourceSize) bytes; a scorer file may be at most 262144 bytes"
        )
    }
}
