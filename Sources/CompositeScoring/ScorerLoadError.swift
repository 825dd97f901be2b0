/// Why a scorer file was refused.
///
/// The error type of the module: it always names the file, and wherever the problem can be placed, the line (1-based)
/// and the field as a path such as `points[1].bands[0].max`, so a scientist can go straight to the spot.
public struct ScorerLoadError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file name as given to ``Scorer/compile(source:fileName:)``.
    public let file: String
    /// The 1-based line of the offending field, when the problem can be placed.
    public let line: Int?
    /// The path of the offending field (for example `points[1].bands[0].max` or `examples[2]`); `nil` for problems
    /// that concern the file as a whole, such as a YAML syntax error.
    public let field: String?
    /// What is wrong, in words meant for the author of the file.
    public let message: String

    /// Creates an error; the engine uses this too, for example when a scorer file cannot be read at all.
    public init(file: String, line: Int?, field: String?, message: String) {
        self.file = file
        self.line = line
        self.field = field
        self.message = message
    }

    /// `file:line: field: message`, leaving out the parts that are unknown.
    public var description: String {
        var text = self.file
        if let line = self.line {
            text += ":\(line)"
        }
        text += ": "
        if let field = self.field {
            text += "\(field): "
        }
        return text + self.message
    }
}
