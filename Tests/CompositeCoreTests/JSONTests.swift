import CompositeCore
import Testing

@Suite struct JSONTests {
    @Test func parsesAndRewritesCompactly() throws {
        let text = #"{"a":[1,-2,3.5,true,false,null],"b":{"c":"d\"e\\f\n\u00e9\ud83d\ude00"}}"#
        let value = try JSONParser.parse(text)
        #expect(value["b"]?["c"] == .string("d\"e\\f\né😀"))
        #expect(JSONWriter.string(value) == #"{"a":[1,-2,3.5,true,false,null],"b":{"c":"d\"e\\f\né😀"}}"#)
    }

    @Test func numbersKeepIntegersExact() throws {
        #expect(try JSONParser.parse("9007199254740993") == .number(.integer(9_007_199_254_740_993)))
        #expect(try JSONParser.parse("1e2") == .number(.decimal(100)))
        #expect(try JSONParser.parse("-0.25") == .number(.decimal(-0.25)))
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "\"\\x\"", "\"\u{01}\"", "tru", "{} {}", "\"\\ud800\""])
    func rejectsInvalidDocuments(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test func rejectsHostileNesting() {
        let deep = String(repeating: "[", count: 1_000) + String(repeating: "]", count: 1_000)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(deep) }
    }

    @Test func aDuplicateKeyIsRefusedNamingIt() throws {
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse(#"{"score":5,"score":1}"#) }
        #expect(error?.duplicateKey == "score")
        #expect(error?.description == #"duplicate key "score" at byte 11"#)
        // The same key in different objects is no duplicate.
        let nested = try JSONParser.parse(#"{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}"#)
        #expect(nested["b"]?["a"] == .number(.integer(2)))
    }

    @Test(arguments: [
        #"{"data":{"resultId":"r","score":5,"x":null,"score":1}}"#,
        #"[0,{"a":[{"b":{"c":1,"d":2,"c":3}}]}]"#,
        #"{"a":1,"b":{"a":1},"c":[{"a":1}],"c":2}"#,
    ])
    func duplicatesAreFoundAtAnyDepth(_ text: String) {
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
        #expect(error?.duplicateKey != nil)
    }

    @Test func largeObjectsAreCheckedByKeyAndDuplicatesAnywhereInThemAreFound() throws {
        let keys = (0..<5_000).map { "\"k\($0)\":\($0)" }
        #expect(try JSONParser.parse("{" + keys.joined(separator: ",") + "}")["k4999"] == .number(.integer(4_999)))
        for repeated in [0, 15, 16, 4_998] {
            let text = "{" + (keys + ["\"k\(repeated)\":-1"]).joined(separator: ",") + "}"
            let error = #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
            #expect(error?.duplicateKey == "k\(repeated)")
        }
    }

    @Test func theQuotedKeyIsEscapedAndShortened() {
        let control = #expect(throws: JSONParseError.self) { try JSONParser.parse(#"{"a\nb":1,"a\nb":2}"#) }
        #expect(control?.message == #"duplicate key "a\nb""#)
        let long = String(repeating: "x", count: 1_000)
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse("{\"\(long)\":1,\"\(long)\":2}") }
        #expect(error?.message == "duplicate key \"" + String(repeating: "x", count: 64) + "…\"")
        #expect(error?.duplicateKey == long)
    }

    @Test func duplicatesMayBeKeptWhenAskedAndLookupsSeeTheFirst() throws {
        let value = try JSONParser.parse(#"{"score":5,"score":1}"#, duplicateKeys: .kept)
        #expect(value.objectValue?.members.count == 2)
        #expect(value["score"] == .number(.integer(5)))
    }

    @Test func numbersBeyondBinary64AreKeptAsWrittenAndWrittenBackUnchanged() throws {
        #expect(try JSONParser.parse("1e400") == .outOfRangeNumber("1e400"))
        #expect(try JSONParser.parse("-123123e100000") == .outOfRangeNumber("-123123e100000"))
        #expect(try JSONParser.parse("1e-400") == .number(.decimal(0)))
        #expect(try JSONParser.parse(String(repeating: "9", count: 30)) == .number(.decimal(1e30)))
        let text = #"{"a":1e400,"b":[-2E+999],"c":1}"#
        #expect(JSONWriter.string(try JSONParser.parse(text)) == text)
        #expect(try JSONParser.parse(text).canonical == JSONParser.parse(text))
    }

    @Test func canonicalFormIgnoresKeyOrderAndNumberSpelling() throws {
        let left = try JSONParser.parse(#"{"b":1,"a":{"y":2.0,"x":[3]}}"#)
        let right = try JSONParser.parse(#"{"a":{"x":[3],"y":2},"b":1.0}"#)
        #expect(left != right)
        #expect(left.canonical == right.canonical)
    }
}
