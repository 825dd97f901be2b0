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

    @Test func canonicalFormIgnoresKeyOrderAndNumberSpelling() throws {
        let left = try JSONParser.parse(#"{"b":1,"a":{"y":2.0,"x":[3]}}"#)
        let right = try JSONParser.parse(#"{"a":{"x":[3],"y":2},"b":1.0}"#)
        #expect(left != right)
        #expect(left.canonical == right.canonical)
    }
}
