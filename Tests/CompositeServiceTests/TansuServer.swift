import Foundation
import Testing

/// A throwaway Tansu (Kafka-protocol broker, memory storage) on loopback, from `scripts/fetch-test-tools`, which
/// this runs first when the tools are missing. A broker that cannot start fails the test, loudly.
final class TansuServer {
    static let tools = ServiceProcess.root.appendingPathComponent(".tools")
    /// librdkafka 2.16 from the tools: Debian's 2.0.2 cannot talk to Tansu.
    static var library: String { Self.tools.appendingPathComponent("lib/librdkafka.so.1").path }

    let port: Int
    let process = Process()
    let log: URL

    init() throws {
        try Self.fetchTools()
        self.port = try freeLoopbackPort()
        self.log = try temporaryDirectory("tansu").appendingPathComponent("tansu.log")
        _ = FileManager.default.createFile(atPath: self.log.path, contents: nil)
        let address = "tcp://127.0.0.1:\(self.port)"
        self.process.executableURL = Self.tools.appendingPathComponent("bin/tansu")
        self.process.arguments = [
            "broker", "--listener-url", address, "--advertised-listener-url", address, "--storage-engine",
            "memory://tansu/",
        ]
        let handle = try FileHandle(forWritingTo: self.log)
        self.process.standardOutput = handle
        self.process.standardError = handle
        try self.process.run()
        try waitForPort(self.port, what: "tansu (log \(self.log.path))")
    }

    var brokers: String { "127.0.0.1:\(self.port)" }

    /// Creates a topic with one partition (the adapter's rule for tenant topics; auto-creation makes four).
    func createTopic(_ name: String, partitions: Int = 1) throws {
        try runToCompletion(
            Self.tools.appendingPathComponent("bin/tansu").path,
            ["topic", "create", "--broker", "tcp://\(self.brokers)", "--partitions", String(partitions), name]
        )
    }

    /// Settings for tests: Tansu holds JoinGroup for half the session timeout.
    static let fastGroups = [
        "session.timeout.ms": "6000", "heartbeat.interval.ms": "500", "topic.metadata.refresh.interval.ms": "1000",
    ]

    static func fetchTools() throws {
        guard !FileManager.default.fileExists(atPath: Self.tools.appendingPathComponent(".complete").path) else {
            return
        }
        try runToCompletion(ServiceProcess.root.appendingPathComponent("scripts/fetch-test-tools").path, [])
    }

    deinit {
        // SIGKILL: memory storage has nothing to lose, and Tansu can sit on SIGTERM while clients are connected.
        if self.process.isRunning {
            kill(self.process.processIdentifier, SIGKILL)
            self.process.waitUntilExit()
        }
    }
}

/// Runs a command to completion; fails with its output when it exits non-zero.
func runToCompletion(_ executable: String, _ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        Issue.record("\(executable) \(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(text)")
        throw CancellationError()
    }
}

/// A loopback TCP port nobody listens on (the kernel picks it).
func freeLoopbackPort() throws -> Int {
    let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0
        }
    }
    guard bound else { throw CancellationError() }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Waits until something accepts connections on the loopback port, for at most 60 s (a hang guard: a loaded machine
/// can take several seconds to start a broker).
func waitForPort(_ port: Int, what: String) throws {
    let deadline = Date().addingTimeInterval(60)
    while Date() < deadline {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        close(socket)
        if connected { return }
        usleep(20_000)
    }
    Issue.record("\(what) did not accept connections on port \(port) within 60 s")
    throw CancellationError()
}
