import Foundation

/// The brokers and clients the integration tests use, fetched by `scripts/fetch-test-tools` into `.tools/`.
///
/// A missing tool is fetched on first use; if that fails the test fails with the script's output, never skips.
public enum TestTools {
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    public static let directory = root.appendingPathComponent(".tools")

    public static var pulsarLite: String { directory.appendingPathComponent("bin/pulsar-lite").path }
    public static var python: String { directory.appendingPathComponent("venv/bin/python").path }

    public static func ensureFetched() throws {
        if FileManager.default.fileExists(atPath: directory.appendingPathComponent(".complete").path) { return }
        let result = try run(root.appendingPathComponent("scripts/fetch-test-tools").path, [])
        guard result.status == 0 else {
            throw TestToolError("scripts/fetch-test-tools failed (\(result.status)): \(result.output)")
        }
    }

    /// Runs a program to completion and returns its exit status and combined output.
    @discardableResult
    public static func run(_ program: String, _ arguments: [String], input: String? = nil) throws -> (
        status: Int32, output: String
    ) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// A TCP port nobody listens on right now.
    public static func freePort() throws -> Int {
        let (fd, port) = try self.boundSocket()
        close(fd)
        return port
    }

    /// A loopback listener that never accepts: the kernel completes clients' TCP handshakes and nothing ever answers,
    /// like a server that hangs. Close the returned descriptor to end it.
    public static func silentListener() throws -> (descriptor: Int32, port: Int) {
        let (fd, port) = try self.boundSocket()
        guard listen(fd, 16) == 0 else {
            close(fd)
            throw TestToolError("listen() failed")
        }
        return (fd, port)
    }

    private static func boundSocket() throws -> (Int32, Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestToolError("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else {
            close(fd)
            throw TestToolError("bind() failed")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// Waits until something accepts TCP connections on `port`.
    public static func waitForPort(_ port: Int, timeout: Duration = hangBound) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while clock.now < deadline {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            close(fd)
            if connected == 0 { return }
            try await Task.sleep(for: .milliseconds(30))
        }
        throw TestToolError("nothing listens on 127.0.0.1:\(port) after \(timeout)")
    }
}

extension TestTools {
    /// The bound for waits that only guard against hangs: long enough that a loaded machine never reaches it.
    public static let hangBound = Duration.seconds(60)

    /// Polls `condition` until it holds; throws, naming `what`, if it still does not after `timeout`. Tests wait on
    /// the condition itself rather than on a fixed delay, so that a slow machine only makes them slower.
    public static func waitUntil(
        _ what: @autoclosure () -> String,
        timeout: Duration = hangBound,
        poll: Duration = .milliseconds(20),
        _ condition: () async throws -> Bool
    ) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while try await !condition() {
            guard clock.now < deadline else { throw TestToolError("\(what()) did not happen within \(timeout)") }
            try await Task.sleep(for: poll)
        }
    }
}

public struct TestToolError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
