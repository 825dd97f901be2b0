import CompositeCore
import CompositeService
import Foundation
import Testing

/// Every fixture in `fixtures/` replayed through the real engine, scorers and in-memory broker, with and without
/// chaos, must publish exactly its expected file (as a multiset).
@Suite struct FixtureReplayTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static var fixtureNames: [String] {
        let names =
            (try? FileManager.default.contentsOfDirectory(
                atPath: Self.root.appendingPathComponent("fixtures/expected").path
            )) ?? []
        return names.filter { $0.hasSuffix(".jsonl") }.sorted()
    }

    static let chaos: [(interleave: UInt64?, restart: Int?, duplicate: Int?)] = [
        (nil, nil, nil), (7, nil, nil), (nil, 2, nil), (nil, nil, 2), (11, 3, 2), (5, 1, 1),
    ]

    func path(_ relative: String) -> String { Self.root.appendingPathComponent(relative).path }

    @Test func everyFixtureHasAnExpectation() {
        #expect(Self.fixtureNames.count >= 9)
    }

    @Test(arguments: Self.fixtureNames)
    func fixtureReplaysToItsExpectedOutput(name: String) async throws {
        let expected = try ReplayExpectation(
            contents: try String(contentsOfFile: self.path("fixtures/expected/\(name)"), encoding: .utf8),
            fileName: name
        )
        for chaos in Self.chaos {
            var options = ReplayOptions(fixtures: [self.path("fixtures/\(name)")])
            options.patients = self.path("fixtures/patients.jsonl")
            options.composites = self.path("composites")
            options.interleaveSeed = chaos.interleave
            options.restartEvery = chaos.restart
            options.duplicateEvery = chaos.duplicate
            let (report, scorerErrors) = try await ReplayRunner.run(options: options)
            #expect(scorerErrors.isEmpty)
            let (missing, unexpected) = expected.compare(report.records.map(\.json))
            #expect(
                missing.isEmpty && unexpected.isEmpty,
                "\(name) with \(chaos): \(ReplayExpectation.render(missing: missing, unexpected: unexpected))"
            )
            #expect(report.unacknowledged == 0, "\(name) with \(chaos): messages left unacknowledged")
        }
    }

    @Test func theHappyPathScoresTheSeedPatientAsFrail() async throws {
        var options = ReplayOptions(fixtures: [self.path("fixtures/happy-path.jsonl")])
        options.patients = self.path("fixtures/patients.jsonl")
        options.composites = self.path("composites")
        let (report, _) = try await ReplayRunner.run(options: options)
        guard case .result(_, let message)? = report.records.first else {
            Issue.record("no result published")
            return
        }
        // Born 1941-03-02, 82 on 2023-10-13: 2 age points; Katz 5, Lawton 6, CCI 1 give none.
        #expect(message["data"]?["score"] == .number(.integer(2)))
        #expect(message["data"]?["interpretation"] == .string("frail"))
        #expect(message["data"]?["attributes"]?["age"] == .number(.integer(82)))
        #expect(
            message["data"]?["resultId"]
                == .string(ResultIdentifier.make(tenant: "orikami", occurrence: OccurrenceID("1")))
        )
        #expect(
            report.summary
                == "replay: 11 messages read, 1 results (0 errors), 0 dead letters, 0 composites pending, 0 messages unacknowledged"
        )
    }

    @Test func aMalformedFixtureLineIsAUsageErrorNamingFileAndLine() {
        let contents =
            #"{"topic":"krane/tasks/orikami-events","message":{}}"# + "\n\n"
            + #"{"topic":"krane/tasks/orikami-events"}"#
        #expect(throws: ServiceError(.invalidInput, file: "bad.jsonl", line: 3, "one of message or raw is required")) {
            try FixtureReader.read(contents: contents, fileName: "bad.jsonl")
        }
        #expect(
            throws: ServiceError(
                .invalidInput,
                file: "bad.jsonl",
                line: 1,
                #"topic: "nowhere" is not a tenant topic (P/tasks/T-events or P/experiments/T-events)"#
            )
        ) {
            try FixtureReader.read(contents: #"{"topic":"nowhere","raw":"x"}"#, fileName: "bad.jsonl")
        }
    }

    @Test func missingPublishTimesCountUpByOneMillisecond() throws {
        let contents = [
            #"{"topic":"krane/tasks/orikami-events","raw":"a"}"#,
            #"{"topic":"krane/tasks/orikami-events","raw":"b","publishTime":"2023-10-13T08:51:55.206Z"}"#,
            #"{"topic":"krane/tasks/orikami-events","raw":"c"}"#,
        ].joined(separator: "\n")
        let messages = try FixtureReader.read(contents: contents, fileName: "f.jsonl")
        #expect(
            messages.map(\.publishTime.description) == [
                "2000-01-01T00:00:00.000Z", "2023-10-13T08:51:55.206Z", "2023-10-13T08:51:55.207Z",
            ]
        )
        #expect(messages[0].topic == "persistent://krane/tasks/orikami-events")
    }

    /// Lines are cut at the newline byte: a file saved with CRLF endings reads line by line (a `String` split on
    /// "\n" never cut "\r\n", one `Character`), and a line of Unicode whitespace only is blank.
    @Test func crlfLinesAndUnicodeBlankLinesReadAsLines() throws {
        let contents =
            #"{"topic":"krane/tasks/orikami-events","raw":"a"}"# + "\r\n" + "\u{00A0}\u{2003}\r\n"
            + #"{"topic":"krane/tasks/orikami-events","raw":"é"}"# + "\r\n"
            + #"{"topic":"krane/experiments/orikami-events","raw":"c"}"#
        let messages = try FixtureReader.read(contents: contents, fileName: "crlf.jsonl")
        #expect(messages.map { String(decoding: $0.payload, as: UTF8.self) } == ["a", "é", "c"])
        #expect(messages.map(\.line) == [1, 3, 4])
        #expect(messages.map(\.topic).last == "persistent://krane/experiments/orikami-events")
        #expect(
            throws: ServiceError(.invalidInput, file: "crlf.jsonl", line: 2, "a fixture line must be a JSON object")
        ) {
            try FixtureReader.read(contents: "\r\n[1]\r\n", fileName: "crlf.jsonl")
        }
    }

    @Test func expectationsCompareAsMultisetsIgnoringKeyOrder() throws {
        let expectation = try ReplayExpectation(contents: "{\"a\":1,\"b\":2}\n{\"a\":1,\"b\":2}\n", fileName: "e")
        let once = try JSONParser.parse(#"{"b":2,"a":1}"#)
        let (missing, unexpected) = expectation.compare([once])
        #expect(missing.count == 1 && unexpected.isEmpty)
        let both = expectation.compare([once, once])
        #expect(both.missing.isEmpty && both.unexpected.isEmpty)
    }

    @Test func patientFilesReportTheirBadLines() {
        #expect(
            throws: ServiceError(
                .invalidInput,
                file: "p.jsonl",
                line: 2,
                #"birthDate: "1941-02-30" is not a date (YYYY-MM-DD)"#
            )
        ) {
            try JSONLinesPatientDirectory(
                contents: #"{"tenant":"t","patientId":"a","birthDate":"1941-03-02"}"# + "\n"
                    + #"{"tenant":"t","patientId":"b","birthDate":"1941-02-30"}"#,
                fileName: "p.jsonl"
            )
        }
    }
}
