import CompositeCore
import Foundation
import Testing

/// The `test_parsing` files of JSONTestSuite (github.com/nst/JSONTestSuite, MIT; copied unchanged under
/// `Resources/JSONTestSuite` with its licence): every `y_` file parses, every `n_` file is refused, and every `i_`
/// file gets the outcome documented in `docs/json.md`, which ``documented`` mirrors.
@Suite struct JSONConformanceTests {
    /// What the parser does with an implementation-defined document.
    enum Outcome: String, Sendable {
        /// Refused with an error.
        case refused
        /// Accepted; the number is beyond binary64 and kept as written (``JSONValue/outOfRangeNumber(_:)``).
        case outOfRange
        /// Accepted; the number underflows binary64 and reads as 0.
        case zero
        /// Accepted; the integer does not fit `Int` and reads as the nearest binary64.
        case rounded
    }

    /// The table of `docs/json.md`, file by file.
    static let documented: [String: Outcome] = [
        "i_number_double_huge_neg_exp.json": .zero,
        "i_number_huge_exp.json": .outOfRange,
        "i_number_neg_int_huge_exp.json": .outOfRange,
        "i_number_pos_double_huge_exp.json": .outOfRange,
        "i_number_real_neg_overflow.json": .outOfRange,
        "i_number_real_pos_overflow.json": .outOfRange,
        "i_number_real_underflow.json": .zero,
        "i_number_too_big_neg_int.json": .rounded,
        "i_number_too_big_pos_int.json": .rounded,
        "i_number_very_big_negative_int.json": .rounded,
        "i_object_key_lone_2nd_surrogate.json": .refused,
        "i_string_1st_surrogate_but_2nd_missing.json": .refused,
        "i_string_1st_valid_surrogate_2nd_invalid.json": .refused,
        "i_string_UTF-16LE_with_BOM.json": .refused,
        "i_string_UTF-8_invalid_sequence.json": .refused,
        "i_string_UTF8_surrogate_U+D800.json": .refused,
        "i_string_incomplete_surrogate_and_escape_valid.json": .refused,
        "i_string_incomplete_surrogate_pair.json": .refused,
        "i_string_incomplete_surrogates_escape_valid.json": .refused,
        "i_string_invalid_lonely_surrogate.json": .refused,
        "i_string_invalid_surrogate.json": .refused,
        "i_string_invalid_utf-8.json": .refused,
        "i_string_inverted_surrogates_U+1D11E.json": .refused,
        "i_string_iso_latin_1.json": .refused,
        "i_string_lone_second_surrogate.json": .refused,
        "i_string_lone_utf8_continuation_byte.json": .refused,
        "i_string_not_in_unicode_range.json": .refused,
        "i_string_overlong_sequence_2_bytes.json": .refused,
        "i_string_overlong_sequence_6_bytes.json": .refused,
        "i_string_overlong_sequence_6_bytes_null.json": .refused,
        "i_string_truncated-utf-8.json": .refused,
        "i_string_utf16BE_no_BOM.json": .refused,
        "i_string_utf16LE_no_BOM.json": .refused,
        "i_structure_500_nested_arrays.json": .refused,
        "i_structure_UTF-8_BOM_empty_object.json": .refused,
    ]

    /// Valid JSON (RFC 8259) that names a key twice: refused by default (I-JSON), parsed with `.kept`.
    static let duplicateKeys: Set<String> = ["y_object_duplicated_key.json", "y_object_duplicated_key_and_value.json"]

    static let folder = Bundle.module.resourceURL!.appendingPathComponent("JSONTestSuite/test_parsing")

    static func files(_ prefix: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: Self.folder.path)) ?? []
        return names.filter { $0.hasPrefix(prefix) && $0.hasSuffix(".json") }.sorted()
    }

    static func bytes(_ file: String) throws -> [UInt8] {
        Array(try Data(contentsOf: Self.folder.appendingPathComponent(file)))
    }

    @Test func theWholeCorpusIsThereAndEveryImplementationDefinedFileIsDocumented() {
        // Guards the parameterised tests below, which would pass vacuously over a missing folder.
        #expect(Self.files("y_").count == 95)
        #expect(Self.files("n_").count == 188)
        #expect(Set(Self.files("i_")) == Set(Self.documented.keys))
    }

    @Test(arguments: Self.files("y_"))
    func everyValidDocumentParses(_ file: String) throws {
        let bytes = try Self.bytes(file)
        #expect(throws: Never.self, "\(file)") { try JSONParser.parse(bytes, duplicateKeys: .kept) }
        if Self.duplicateKeys.contains(file) {
            let error = #expect(throws: JSONParseError.self, "\(file)") { try JSONParser.parse(bytes) }
            #expect(error?.duplicateKey == "a")
        } else {
            #expect(throws: Never.self, "\(file)") { try JSONParser.parse(bytes) }
        }
    }

    @Test(arguments: Self.files("n_"))
    func everyInvalidDocumentIsRefused(_ file: String) throws {
        let bytes = try Self.bytes(file)
        #expect(throws: JSONParseError.self, "\(file)") { try JSONParser.parse(bytes, duplicateKeys: .kept) }
        #expect(throws: JSONParseError.self, "\(file)") { try JSONParser.parse(bytes) }
    }

    @Test(arguments: Self.files("i_"))
    func everyImplementationDefinedDocumentHasItsDocumentedOutcome(_ file: String) throws {
        #expect(Self.outcome(of: try Self.bytes(file)) == Self.documented[file], "\(file)")
    }

    static func outcome(of bytes: [UInt8]) -> Outcome? {
        guard let value = try? JSONParser.parse(bytes) else { return .refused }
        // Every accepted implementation-defined file is an array holding one number.
        guard case .array(let elements) = value, elements.count == 1 else { return nil }
        switch elements[0] {
        case .outOfRangeNumber: return .outOfRange
        case .number(.decimal(let number)) where number == 0: return .zero
        case .number(.decimal): return .rounded
        default: return nil
        }
    }
}
