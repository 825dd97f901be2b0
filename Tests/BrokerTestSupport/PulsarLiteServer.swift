import Foundation

/// A real Pulsar-protocol broker (pulsar-lite, from PyPI) on a loopback port, with its own data directory.
///
/// Where pulsar-lite deviates from Apache Pulsar, the tests that notice say so (see docs/pulsar.md).
public final class PulsarLiteServer: @unchecked Sendable {
    public let port: Int
    public let directory: URL
    private var process: Process?

    public var serviceURL: String { "pulsar://127.0.0.1:\(self.port)" }

    public init() throws {
        try TestTools.ensureFetched()
        self.port = try TestTools.freePort()
        self.directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "pulsar-lite-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
    }

    public func start() async throws {
        let config = self.directory.appendingPathComponent("pulsar-lite.toml")
        try """
        addr = "127.0.0.1:\(self.port)"
        db_path = "\(self.directory.appendingPathComponent("data").path)"
        log_level = "info"
        [metrics]
        enabled = false
        """.write(to: config, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestTools.pulsarLite)
        process.arguments = ["--config", config.path]
        process.currentDirectoryURL = self.directory
        let logPath = self.directory.appendingPathComponent("broker.log").path
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        try await TestTools.waitForPort(self.port)
    }

    /// SIGTERM, then SIGKILL after 5 s. Polls rather than `waitUntilExit`, which can hang on a cooperative thread.
    public func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        for _ in 0..<500 where process.isRunning { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        for _ in 0..<100 where process.isRunning { usleep(10_000) }
    }

    /// The broker's log, for failure messages (the directory is kept after the test for this reason).
    public var logPath: String { self.directory.appendingPathComponent("broker.log").path }

    deinit {
        self.stop()
    }
}
