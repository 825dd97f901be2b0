public import CompositeScoring
import Foundation

/// Loads the scorer files of a folder (`composites/`): every `*.yaml` / `*.yml` file, each on its own.
public enum ScorerDirectory {
    /// File name extensions that are scorer files.
    public static let extensions: Set<String> = ["yaml", "yml"]

    /// Loads `path`, a folder of scorer files or a single file. A file that fails, to be read (``ScorerFile``) or to
    /// compile, is refused with its error and the others are kept, exactly as the service does at start-up and on
    /// reload. Only a `path` that does not exist or a folder that cannot be listed is an error of the whole load.
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
        var unreadable: [ScorerLoadError] = []
        for file in paths {
            switch ScorerFile.read(file) {
            case .success(let source): files.append((fileName: file, source: source))
            case .failure(let error): unreadable.append(error)
            }
        }
        let (registry, errors) = ScorerRegistry.load(files)
        return (registry, (unreadable + errors).sorted { $0.file < $1.file })
    }
}
