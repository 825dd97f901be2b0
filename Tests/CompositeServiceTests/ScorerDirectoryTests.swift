import CompositeService
import Foundation
import Logging
import Testing

/// One unreadable file in the composites folder is refused alone, like an invalid scorer; the others load, at start-up
/// and on reload.
@Suite struct ScorerDirectoryTests {
    let imwg = ServiceProcess.root.appendingPathComponent("composites/imwg-frailty.yaml")

    /// A folder with the IMWG scorer and, beside it, a non-UTF-8 file, a folder named `.yaml` and a broken link.
    func folderWithUnreadableFiles() throws -> URL {
        let directory = try temporaryDirectory("scorers")
        try FileManager.default.copyItem(at: self.imwg, to: directory.appendingPathComponent("imwg-frailty.yaml"))
        try Data([0x66, 0x6F, 0x72, 0x6D, 0x61, 0x74, 0x3A, 0x20, 0xFF, 0xFE, 0x0A]).write(
            to: directory.appendingPathComponent("latin.yaml")
        )
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("folder.yaml"),
            withIntermediateDirectories: false
        )
        try FileManager.default.createSymbolicLink(
            atPath: directory.appendingPathComponent("link.yaml").path,
            withDestinationPath: directory.appendingPathComponent("missing.yaml").path
        )
        return directory
    }

    @Test func unreadableFilesAreRefusedOneByOneAndTheOthersLoad() throws {
        let directory = try self.folderWithUnreadableFiles()
        let (registry, errors) = try ScorerDirectory.load(directory.path)
        #expect(registry.scorers.map(\.featureId) == ["IMWGFrailty"])
        let path = { (name: String) in directory.appendingPathComponent(name).path }
        #expect(errors.map(\.file) == [path("folder.yaml"), path("latin.yaml"), path("link.yaml")])
        #expect(errors.map(\.message).first == "this is a folder, not a scorer file")
        #expect(errors.map(\.message).dropFirst().first == "the file is not UTF-8 text")
        #expect(errors.last?.message.hasPrefix("this is a symbolic link to a file that cannot be found") == true)
    }

    @Test func devicesAndOversizedFilesAreRefusedWithoutReadingThem() throws {
        let directory = try temporaryDirectory("scorers")
        try FileManager.default.copyItem(at: self.imwg, to: directory.appendingPathComponent("imwg-frailty.yaml"))
        // Reading /dev/zero would never end; a file beyond the bound is refused before it is read.
        try FileManager.default.createSymbolicLink(
            atPath: directory.appendingPathComponent("zero.yaml").path,
            withDestinationPath: "/dev/zero"
        )
        try Data(repeating: 0x23, count: ScorerFile.maximumSize + 1).write(
            to: directory.appendingPathComponent("huge.yaml")
        )
        let (registry, errors) = try ScorerDirectory.load(directory.path)
        #expect(registry.scorers.map(\.featureId) == ["IMWGFrailty"])
        #expect(
            errors.map(\.message) == [
                "the file is 262145 bytes; a scorer file may be at most 262144 bytes", "this is not a regular file",
            ]
        )
    }

    @Test func theServiceStartsAndReloadsWithUnreadableFilesPresent() throws {
        let directory = try self.folderWithUnreadableFiles()
        let metrics = ServiceMetrics()
        let source = try ScorerSource(directory: directory.path, metrics: metrics, logger: Logger(label: "test"))
        #expect(source.catalog.featureIds == ["IMWGFrailty"])
        #expect(metrics.exposition().contains("composite_scorer_load_errors 3"))
        let copy = try String(contentsOf: self.imwg, encoding: .utf8)
            .replacingOccurrences(of: "featureId: IMWGFrailty", with: "featureId: IMWGFrailtyCopy")
        try copy.write(to: directory.appendingPathComponent("copy.yaml"), atomically: true, encoding: .utf8)
        source.reload()
        #expect(source.generation == 1)
        #expect(source.catalog.featureIds == ["IMWGFrailty", "IMWGFrailtyCopy"])
    }
}
