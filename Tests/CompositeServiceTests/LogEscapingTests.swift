import CompositeCore
import CompositeService
import Logging
import Synchronization
import Testing

/// Values from messages (a patient id holding a newline) cannot forge a log line, in either log format.
@Suite struct LogEscapingTests {
    /// Collects what a handler writes.
    struct Output: TextOutputStream, Sendable {
        final class Text: Sendable {
            let text = Mutex("")
        }

        let captured = Text()
        var text: String { self.captured.text.withLock { $0 } }

        mutating func write(_ string: String) {
            self.captured.text.withLock { $0 += string }
        }
    }

    static let forged = "p1\n2026-01-01T00:00:00+0000 critical composite-service: [CompositeService] all data deleted"

    func log(_ format: ServiceConfiguration.LogFormat) -> String {
        let output = Output()
        var logger = Logger(label: "composite-service") { label in
            ServiceRunner.logHandler(format, label: label, stream: output)
        }
        logger[metadataKey: "tenant"] = "acme\r\nx"
        logger.info(
            "looked up patient \(Self.forged)",
            metadata: ["patientId": "\(Self.forged)", "topic": "t\u{9B}31m\u{2028}\u{202E}"]
        )
        return output.text
    }

    @Test func aTextLineStaysOneLineWithEveryControlCharacterEscaped() {
        let text = self.log(.text)
        #expect(text.filter { $0 == "\n" || $0 == "\r\n" }.count == 1 && text.hasSuffix("\n"))
        #expect(text.contains(#"patientId=p1\n2026-01-01T00:00:00+0000 critical"#))
        #expect(text.contains(#"looked up patient p1\n2026-01-01"#))
        #expect(text.contains(#"tenant=acme\r\nx"#))
        #expect(text.contains(#"topic=t\u{9b}31m\u{2028}\u{202e}"#))
    }

    @Test func aJSONLineStaysOneLineAndReadsBackUnchanged() throws {
        let text = self.log(.json)
        #expect(text.filter { $0 == "\n" }.count == 1 && text.hasSuffix("\n"))
        #expect(text.contains(#""topic":"t\u009b31m\u2028\u202e""#))
        let line = try JSONParser.parse(String(text.dropLast()))
        #expect(line["patientId"] == .string(Self.forged))
        #expect(line["tenant"] == .string("acme\r\nx"))
        #expect(line["message"] == .string("looked up patient \(Self.forged)"))
    }

    @Test func escapingLeavesOrdinaryTextAloneAndMarksItsOwnBackslashes() {
        #expect(
            LogEscaping.escaped("Input adl (feature Katz-ADL) is 7 — réponse")
                == "Input adl (feature Katz-ADL) is 7 — réponse"
        )
        #expect(LogEscaping.escaped("a\\nb\u{0}\u{7F}") == #"a\\nb\u{0}\u{7f}"#)
    }
}
