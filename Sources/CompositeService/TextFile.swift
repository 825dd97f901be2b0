import Foundation

/// Reads a whole UTF-8 text file, with errors that name it.
public enum TextFile {
    public static func read(_ path: String) throws(ServiceError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ServiceError(.unreadable, file: path, "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ServiceError(.unreadable, file: path, "the file is not UTF-8 text")
        }
        return text
    }
}
