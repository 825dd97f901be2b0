import CompositeScoring
import Foundation
import Testing

/// Loads every scorer file in `composites/` exactly as the service would, so a scientist can check a new file with
/// `swift test --filter CompositesDirectory` before it is deployed.
@Suite("Every file in composites/ loads")
struct CompositesDirectoryTests {
    @Test func everyScorerFileLoads() throws {
        let directory = TestSupport.packageRoot.appendingPathComponent("composites")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
        #expect(names.contains("imwg-frailty.yaml"))
        var files: [(fileName: String, source: String)] = []
        for name in names {
            files.append((name, try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)))
        }
        let (registry, errors) = ScorerRegistry.load(files)
        for error in errors {
            Issue.record("\(error)")
        }
        #expect(registry.scorers.count == names.count)
    }
}
