import CompositeService
import Foundation
import Logging
import Testing

@Suite struct ScorerSourceTests {
    let imwg = ServiceProcess.root.appendingPathComponent("composites/imwg-frailty.yaml")

    @Test func aReloadPicksUpNewFilesAndRefusesBrokenOnesWithoutLosingTheValidOnes() throws {
        let directory = try temporaryDirectory("scorers")
        try FileManager.default.copyItem(at: self.imwg, to: directory.appendingPathComponent("imwg-frailty.yaml"))
        let metrics = ServiceMetrics()
        let source = try ScorerSource(directory: directory.path, metrics: metrics, logger: Logger(label: "test"))
        #expect(source.catalog.featureIds == ["IMWGFrailty"])
        #expect(source.generation == 0)
        #expect(metrics.exposition().contains("composite_scorers_loaded 1"))
        let fingerprint = ScorerSource.fingerprint(directory.path)

        // A second scorer (the same file under another featureId) and a broken file.
        let copy = try String(contentsOf: self.imwg, encoding: .utf8)
            .replacingOccurrences(of: "featureId: IMWGFrailty", with: "featureId: IMWGFrailtyCopy")
        try copy.write(to: directory.appendingPathComponent("copy.yaml"), atomically: true, encoding: .utf8)
        try "format: composite-scorer/1\nid: [unclosed\n".write(
            to: directory.appendingPathComponent("broken.yaml"),
            atomically: true,
            encoding: .utf8
        )
        #expect(ScorerSource.fingerprint(directory.path) != fingerprint, "a change is detected without a signal")
        source.reload()
        #expect(source.generation == 1)
        #expect(source.catalog.featureIds == ["IMWGFrailty", "IMWGFrailtyCopy"])
        #expect(metrics.exposition().contains("composite_scorer_load_errors 1"))
    }

    @Test func anUnreadableFolderKeepsTheLoadedScorers() throws {
        let directory = try temporaryDirectory("scorers")
        try FileManager.default.copyItem(at: self.imwg, to: directory.appendingPathComponent("imwg-frailty.yaml"))
        let source = try ScorerSource(
            directory: directory.path,
            metrics: ServiceMetrics(),
            logger: Logger(label: "test")
        )
        try FileManager.default.removeItem(at: directory)
        source.reload()
        #expect(source.generation == 0)
        #expect(source.catalog.featureIds == ["IMWGFrailty"])
    }
}
