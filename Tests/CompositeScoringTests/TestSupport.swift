import CompositeCore
import CompositeScoring
import Foundation
import Testing

/// Scorer files and helpers shared by the suites.
enum TestSupport {
    /// The package root, found from this file's path so tests read the real files under `composites/`.
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()

    static func composite(_ name: String) throws -> String {
        try String(contentsOf: Self.packageRoot.appendingPathComponent("composites/\(name)"), encoding: .utf8)
    }

    /// A small valid scorer; tests change single lines of it, so its line numbers are part of the tests.
    static let baseLines: [String] = [
        "format: composite-scorer/1",  // 1
        "id: test-score",  // 2
        "featureId: TestScore",  // 3
        "name: Test Score",  // 4
        "version: 1.0.0",  // 5
        "reference: \"A reference\"",  // 6
        "inputs:",  // 7
        "  - id: a",  // 8
        "    feature: A",  // 9
        "    type: integer",  // 10
        "    range: [0, 10]",  // 11
        "  - id: b",  // 12
        "    attribute: b",  // 13
        "    type: integer",  // 14
        "    range: [0, 10]",  // 15
        "points:",  // 16
        "  - id: aPoints",  // 17
        "    input: a",  // 18
        "    bands:",  // 19
        "      - { max: 4, points: 0 }",  // 20
        "      - { min: 5, points: 1 }",  // 21
        "  - id: bPoints",  // 22
        "    expression: \"if(b >= 5, 2, 0)\"",  // 23
        "score: aPoints + bPoints",  // 24
        "interpretation:",  // 25
        "  - { max: 0, label: low }",  // 26
        "  - { min: 1, label: high }",  // 27
        "examples:",  // 28
        "  - inputs: { a: 4, b: 4 }",  // 29
        "    score: 0",  // 30
        "    interpretation: low",  // 31
        "  - inputs: { a: 5, b: 5 }",  // 32
        "    score: 3",  // 33
        "    interpretation: high",  // 34
    ]

    static var base: String { Self.baseLines.joined(separator: "\n") + "\n" }

    /// The base file with some lines (1-based) replaced.
    static func base(replacing replacements: [Int: String]) -> String {
        var lines = Self.baseLines
        for (line, text) in replacements {
            lines[line - 1] = text
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The error `source` is refused with; records a test failure when it compiles.
    static func loadError(
        _ source: String,
        fileName: String = "test.yaml",
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> ScorerLoadError? {
        do {
            _ = try Scorer.compile(source: source, fileName: fileName)
            Issue.record("expected \(fileName) to be refused", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    /// A scorer file from its sections; the header takes lines 1-6 and `inputs:` is line 7.
    static func scorer(
        inputs: [String],
        points: [String] = [],
        score: String? = nil,
        interpretation: [String],
        examples: [String]
    ) -> String {
        var lines = [
            "format: composite-scorer/1",
            "id: section-test",
            "featureId: SectionTest",
            "name: Section test",
            "version: \"2\"",
            "reference: none",
            "inputs:",
        ]
        lines += inputs
        if !points.isEmpty {
            lines += ["points:"] + points
        }
        if let score {
            lines.append("score: \"\(score)\"")
        }
        lines += ["interpretation:"] + interpretation + ["examples:"] + examples
        return lines.joined(separator: "\n") + "\n"
    }

    /// Compiles a file built by ``scorer(inputs:points:score:interpretation:examples:)``.
    static func compile(_ source: String) throws -> Scorer {
        try Scorer.compile(source: source, fileName: "section.yaml")
    }
}
