import CYaml

/// Reads a scorer file's YAML events before any node is built, and refuses what would make building the nodes costly.
///
/// - Anchors and aliases: an alias used as a key makes the YAML reader hash its whole expansion when it checks for
///   repeated keys, so a file of a few hundred bytes can take minutes ("billion laughs"). Scorer files never need
///   them: every value is written out where it is used.
/// - More than ``maximumNodes`` values, or nesting deeper than ``maximumDepth``: real files have a few hundred values
///   nested a few levels deep.
///
/// A syntax error ends the scan without a complaint: composing the file then reports it with the YAML reader's own
/// message, and nothing before the error was an anchor or an alias.
struct ManifestScan {
    static let maximumNodes = 20_000
    static let maximumDepth = 64

    /// Where the scan is inside a group or a list, to name the field of a complaint as ``ManifestNode`` does.
    private enum Container {
        case mapping(key: String?, expectingKey: Bool)
        case sequence(index: Int)
    }

    private let fileName: String
    private var containers: [(container: Container, path: String)] = []
    private var nodes = 0

    private init(fileName: String) {
        self.fileName = fileName
    }

    /// Refuses `source` when it holds an anchor, an alias, too many values or too deep a nesting.
    static func check(_ source: String, fileName: String) throws(ScorerLoadError) {
        var scan = ManifestScan(fileName: fileName)
        var text = source
        let problem = text.withUTF8 { scan.run(over: $0) }
        if let problem { throw problem }
    }

    private mutating func run(over bytes: UnsafeBufferPointer<UInt8>) -> ScorerLoadError? {
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) == 1 else { return nil }
        defer { yaml_parser_delete(parser) }
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
        yaml_parser_set_input_string(parser, bytes.baseAddress, bytes.count)
        var event = yaml_event_t()
        while yaml_parser_parse(parser, &event) == 1 {
            defer { yaml_event_delete(&event) }
            if event.type == YAML_STREAM_END_EVENT { return nil }
            if let problem = self.visit(event) { return problem }
        }
        return nil
    }

    private mutating func visit(_ event: yaml_event_t) -> ScorerLoadError? {
        let line = Int(event.start_mark.line) + 1
        switch event.type {
        case YAML_ALIAS_EVENT:
            return self.error(
                "aliases (*\(Self.name(event.data.alias.anchor))) are not allowed in scorer files; write the value out",
                line: line
            )
        case YAML_SCALAR_EVENT:
            if let problem = self.node(anchor: event.data.scalar.anchor, line: line) { return problem }
            let scalar = event.data.scalar
            let text = scalar.value.map {
                String(decoding: UnsafeBufferPointer(start: $0, count: scalar.length), as: UTF8.self)
            }
            self.completed(scalar: text)
        case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
            let isMapping = event.type == YAML_MAPPING_START_EVENT
            let anchor = isMapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor
            if let problem = self.node(anchor: anchor, line: line) { return problem }
            guard self.containers.count < Self.maximumDepth else {
                return self.error("nesting deeper than \(Self.maximumDepth) levels is not allowed", line: line)
            }
            let path = self.currentPath
            self.containers.append(
                (isMapping ? .mapping(key: nil, expectingKey: true) : .sequence(index: 0), path)
            )
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            _ = self.containers.popLast()
            self.completed(scalar: nil)
        default:
            break
        }
        return nil
    }

    /// Counts a value and refuses an anchor on it.
    private mutating func node(anchor: UnsafeMutablePointer<yaml_char_t>?, line: Int) -> ScorerLoadError? {
        if let anchor {
            return self.error(
                "anchors (&\(Self.name(anchor))) are not allowed in scorer files; write the value out where it is used",
                line: line
            )
        }
        self.nodes += 1
        guard self.nodes <= Self.maximumNodes else {
            return self.error(
                "the file has more than \(Self.maximumNodes) values; a scorer file needs far fewer",
                line: line
            )
        }
        return nil
    }

    /// The path of the value about to be read: its group's key or its list index.
    private var currentPath: String {
        guard let (container, path) = self.containers.last else { return "" }
        switch container {
        case .mapping(let key, let expectingKey):
            guard !expectingKey else { return path }
            let key = key ?? "?"
            return path.isEmpty ? key : "\(path).\(key)"
        case .sequence(let index):
            return "\(path)[\(index)]"
        }
    }

    /// A value ended: its group now expects the next key or value, its list the next index.
    private mutating func completed(scalar: String?) {
        guard let last = self.containers.indices.last else { return }
        switch self.containers[last].container {
        case .mapping(_, let expectingKey):
            self.containers[last].container = .mapping(key: expectingKey ? scalar : nil, expectingKey: !expectingKey)
        case .sequence(let index):
            self.containers[last].container = .sequence(index: index + 1)
        }
    }

    private func error(_ message: String, line: Int) -> ScorerLoadError {
        let path = self.currentPath
        return ScorerLoadError(file: self.fileName, line: line, field: path.isEmpty ? nil : path, message: message)
    }

    /// An anchor's name as written, shortened like other quoted text in messages.
    private static func name(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String {
        guard let pointer else { return "" }
        let name = String(cString: pointer)
        return name.count > 40 ? String(name.prefix(40)) + "…" : name
    }
}
