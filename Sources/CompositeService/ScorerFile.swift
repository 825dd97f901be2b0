public import CompositeScoring
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads one scorer file for ``ScorerDirectory``. Whatever makes it unreadable (a folder named `x.yaml`, a broken
/// symbolic link, a device, a file too large, text that is not UTF-8) is that file's load error, so one bad file is
/// refused alone, like any invalid scorer, and the others still load.
public enum ScorerFile {
    /// The largest scorer file read: real ones are a few KiB. Checked before reading, so a link to a huge file or a
    /// device never blocks a reload.
    public static let maximumSize = Scorer.maximumSourceSize

    /// The file's text, or the error that refuses it.
    public static func read(_ path: String) -> Result<String, ScorerLoadError> {
        func refuse(_ message: String) -> Result<String, ScorerLoadError> {
            .failure(ScorerLoadError(file: path, line: nil, field: nil, message: message))
        }
        var status = stat()
        guard stat(path, &status) == 0 else {
            let reason = String(cString: strerror(errno))
            var link = stat()
            if lstat(path, &link) == 0, link.st_mode & S_IFMT == S_IFLNK {
                return refuse("this is a symbolic link to a file that cannot be found (\(reason))")
            }
            return refuse("the file cannot be read (\(reason))")
        }
        switch status.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: return refuse("this is a folder, not a scorer file")
        default: return refuse("this is not a regular file")
        }
        guard status.st_size <= Self.maximumSize else {
            return refuse("the file is \(status.st_size) bytes; a scorer file may be at most \(Self.maximumSize) bytes")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { return refuse("the file cannot be read") }
        defer { try? handle.close() }
        // Bounded even if the file grew since it was measured.
        guard let data = try? handle.read(upToCount: Self.maximumSize + 1) ?? Data() else {
            return refuse("the file cannot be read")
        }
        guard data.count <= Self.maximumSize else {
            return refuse("the file is larger than \(Self.maximumSize) bytes, the most a scorer file may be")
        }
        guard let text = String(validating: data, as: UTF8.self) else { return refuse("the file is not UTF-8 text") }
        return .success(text)
    }
}
