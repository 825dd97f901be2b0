/// The service module's error: what went wrong, and where (file and line) when it came from a file.
public struct ServiceError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Code: Sendable, Hashable {
        /// A fixture, patient file or option is malformed (replay exit code 2).
        case invalidInput
        /// A file could not be read.
        case unreadable
        /// Configuration is invalid.
        case invalidConfiguration
    }

    public var code: Code
    public var file: String?
    public var line: Int?
    public var message: String

    public init(_ code: Code, file: String? = nil, line: Int? = nil, _ message: String) {
        self.code = code
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        switch (self.file, self.line) {
        case (let file?, let line?): "\(file):\(line): \(self.message)"
        case (let file?, nil): "\(file): \(self.message)"
        default: self.message
        }
    }
}
