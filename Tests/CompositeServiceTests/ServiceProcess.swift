import BrokerTestSupport
import Foundation
import Testing

/// The real `composite-service` binary, started as a child process for end-to-end tests.
final class ServiceProcess {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The binary `swift build` / `swift test` built next to the tests.
    static var binary: URL {
        get throws {
            for configuration in ["debug", "release"] {
                let candidate = Self.root.appendingPathComponent(".build/\(configuration)/composite-service")
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            }
            Issue.record("composite-service is not built: run `swift build` before `swift test`")
            throw CancellationError()
        }
    }

    let process = Process()
    let log: URL

    /// Starts `composite-service run` with `environment` (over a clean environment), logging to `log`.
    init(environment: [String: String], arguments: [String] = [], log: URL) throws {
        self.log = log
        self.process.executableURL = try Self.binary
        self.process.arguments = ["run", "--env-file", "/nonexistent"] + arguments
        // The generated streams end with messages published in 2100 and 2200 to move every watermark past them;
        // the far-future check would refuse those, so it allows a thousand years unless a test sets its own skew.
        self.process.environment = environment.merging([
            "PATH": "/usr/bin:/bin", "MAX_CLOCK_SKEW_SECONDS": "31536000000",
        ]) { current, _ in current }
        self.process.currentDirectoryURL = Self.root
        if !FileManager.default.fileExists(atPath: log.path) {
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        self.process.standardError = handle
        self.process.standardOutput = handle
        try self.process.run()
    }

    var isRunning: Bool { self.process.isRunning }

    /// Everything the process has logged so far.
    var logText: String { (try? String(contentsOf: self.log, encoding: .utf8)) ?? "" }

    func kill() {
        Foundation.kill(self.process.processIdentifier, SIGKILL)
        self.process.waitUntilExit()
    }

    /// Sends SIGTERM and waits; returns the exit status, or nil if it did not exit within `timeout` (a hang guard:
    /// how fast it exits is no verdict).
    func terminate(within timeout: Duration = TestTools.hangBound) async -> Int32? {
        self.process.terminate()
        return await self.waitForExit(within: timeout)
    }

    func waitForExit(within timeout: Duration) async -> Int32? {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while self.process.isRunning {
            if clock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return self.process.terminationStatus
    }

    deinit {
        if self.process.isRunning { Foundation.kill(self.process.processIdentifier, SIGKILL) }
    }
}

/// A fresh temporary folder.
func temporaryDirectory(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("composite-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
