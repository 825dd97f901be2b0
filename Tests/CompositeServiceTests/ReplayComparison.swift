import CompositeCore
import CompositeService
import Foundation
import Testing

/// What end-to-end tests compare a service's output with: the records of an uninterrupted replay of the same
/// stream, canonicalised, whatever broker the service ran on.
enum ReplayComparison {
    static let composites = ServiceProcess.root.appendingPathComponent("composites").path

    /// What an uninterrupted replay publishes: canonical JSON lines.
    static func expected(
        _ messages: [FixtureMessage],
        patients: URL,
        engine: EngineConfiguration = EngineConfiguration()
    ) async throws -> Set<String> {
        var options = ReplayOptions(fixtures: [])
        options.composites = Self.composites
        options.engine = engine
        let report = try await ReplayRunner.run(
            messages: messages,
            catalog: try Self.catalog(Self.composites),
            patients: try JSONLinesPatientDirectory(
                contents: try TextFile.read(patients.path),
                fileName: patients.path
            ),
            options: options
        )
        return Self.distinct(report.records)
    }

    static func catalog(_ directory: String) throws -> ScorerCatalog {
        ScorerCatalog(try ScorerDirectory.load(directory).registry.scorers.map { $0 as any CompositeScorer })
    }

    /// Records as replay prints them, canonicalised, without repeats.
    static func distinct(_ records: [ReplayRecord]) -> Set<String> {
        Set(records.map { JSONWriter.string($0.json.canonical) })
    }

    /// The result or dead-letter record a message the service published stands for, if it is one.
    static func record(topic: String, payload: [UInt8], properties: [String: String]) -> ReplayRecord? {
        if topic.hasSuffix("-DLQ") {
            return .deadLetter(
                topic: topic,
                reason: properties["reason"] ?? "",
                raw: String(decoding: payload, as: UTF8.self)
            )
        }
        guard let json = try? JSONParser.parse(payload), json["name"] == .string("CompositeScoreGenerated") else {
            return nil
        }
        return .result(topic: topic, message: json)
    }

    /// What differs between the records published and the expected ones, for a failure message.
    static func difference(_ published: Set<String>, _ expected: Set<String>) -> String {
        let missing = expected.subtracting(published).sorted()
        let extra = published.subtracting(expected).sorted()
        return "missing \(missing.count): \(missing.prefix(3).joined(separator: "\n"))\nunexpected \(extra.count): "
            + extra.prefix(3).joined(separator: "\n")
    }

    /// Results with the same resultId must be byte-for-byte the same message.
    static func expectNoDifferingDuplicates(_ records: [ReplayRecord]) {
        var byResultId: [String: JSONValue] = [:]
        for case .result(_, let message) in records {
            guard let resultId = message["data"]?["resultId"]?.stringValue else { continue }
            if let earlier = byResultId[resultId] {
                #expect(JSONWriter.string(earlier) == JSONWriter.string(message), "differing duplicates of \(resultId)")
            }
            byResultId[resultId] = message
        }
    }

    /// The generated stream's patient file, written into `directory`.
    static func writePatients(_ contents: String, into directory: URL) throws -> URL {
        let patients = directory.appendingPathComponent("patients.jsonl")
        try contents.write(to: patients, atomically: true, encoding: .utf8)
        return patients
    }
}
