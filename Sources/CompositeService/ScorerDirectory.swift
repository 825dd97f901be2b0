public import CompositeScoring
import Foundation

/// Loads the scorer files of a folder (`composites/`): every `*.yaml` / `*.yml` file, each on its own.
public enum ScorerDirectory {
    /// File name extensions that are scorer files.
    public static let extensions: Set<String> = ["yaml", "yml"]

    /// Loads `path`, a folder of scorer files or a single file. A file that fails is refused with its error and
    /// the others are kept, exactly as the service does at start-up and on reload.
    public static func load(_ path: String) throws(ServiceError) -> (
        registry: ScorerRegistry, errors: [ScorerLoadError]
    ) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ServiceError(.unreadable, file: path, "no such file or folder")
        }
        var paths: [String] = []
        if isDirectory.boolValue {
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: path)
            } catch {
                throw ServiceError(.unreadable, file: path, "cannot list the folder: \(error.localizedDescription)")
            }
            paths = names.filter { Self.extensions.contains(($0 as NSString).pathExtension.lowercased()) }
                .sorted().map { (path as NSString).appendingPathComponent($0) }
        } else {
            paths = [path]
        }
        var files: [(fileName: String, source: String)] = []
        for file in paths {
            files.append((fileName: file, source: try TextFile.read(file)))
        }
        return ScorerRegistry.load(files)
    }
}
