import Foundation
import Testing

/// A throwaway PostgreSQL server on loopback, started from the Debian packages (`apt-get install postgresql`),
/// owned by the `postgres` user as the server requires. `.ci/run` installs the package; a machine without it fails
/// the tests that need it, loudly.
final class PostgresServer {
    let directory: URL
    let port: Int
    let binaries: String

    init() throws {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        guard let version = versions.compactMap(Int.init).max() else {
            Issue.record("PostgreSQL is not installed: apt-get install -y postgresql")
            throw CancellationError()
        }
        self.binaries = "/usr/lib/postgresql/\(version)/bin"
        self.directory = try temporaryDirectory("postgres")
        self.port = 21_000 + Int.random(in: 0..<20_000)
        try Self.shell("chown postgres:postgres '\(self.directory.path)' && chmod 700 '\(self.directory.path)'")
        try self.asPostgres(
            "'\(self.binaries)/initdb' -D '\(self.directory.path)/data' -U postgres -A trust -E UTF8 --locale=C.UTF-8"
        )
        try self.start()
    }

    var url: String { "postgres://postgres@127.0.0.1:\(self.port)/postgres?sslmode=disable" }

    /// The running server process (`runuser` in front of `postgres`).
    var server: Process?
    /// Further `-c name=value` server settings for the next start.
    var settings: [String] = []

    /// Starts the server as a child process and waits until it accepts connections. (Through `pg_ctl` the test
    /// would wait on a process whose descendant, the server, lives on.)
    func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
        process.arguments =
            [
                "-u", "postgres", "--", "\(self.binaries)/postgres", "-D", "\(self.directory.path)/data", "-c",
                "listen_addresses=127.0.0.1", "-p", String(self.port), "-k", self.directory.path, "-c", "fsync=off",
            ] + self.settings.flatMap { ["-c", $0] }
        let log = self.directory.appendingPathComponent("server.log")
        if !FileManager.default.fileExists(atPath: log.path) {
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.server = process
        try self.waitUntil(ready: true)
    }

    /// Fast shutdown (SIGINT to the server), then waits until it is gone.
    func stop() throws {
        try Self.shell(
            "runuser -u postgres -- '\(self.binaries)/pg_ctl' -D '\(self.directory.path)/data' -m fast -W stop"
        )
        try self.waitUntil(ready: false)
        self.server?.waitUntilExit()
        self.server = nil
    }

    private func waitUntil(ready: Bool) throws {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let accepting = (try? Self.shell("pg_isready -q -h 127.0.0.1 -p \(self.port)", quiet: true)) != nil
            if accepting == ready { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        Issue.record(
            "PostgreSQL did not \(ready ? "start" : "stop") within 30 s; see \(self.directory.path)/server.log"
        )
        throw CancellationError()
    }

    /// Makes a CA and a server certificate for `localhost` / 127.0.0.1 signed by it, restarts the server with TLS on,
    /// and returns the CA certificate's path.
    func enableTLS() throws -> String {
        let dir = self.directory.path
        try Self.shell(
            "cd '\(dir)' && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca -keyout ca.key -out ca.pem"
                + " && openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout server.key -out server.csr"
                + " && printf 'subjectAltName=DNS:localhost,IP:127.0.0.1' > san.ext"
                + " && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile san.ext -out server.crt"
                + " && chown postgres:postgres server.key server.crt && chmod 600 server.key"
        )
        try self.stop()
        self.settings = ["ssl=on", "ssl_cert_file=\(dir)/server.crt", "ssl_key_file=\(dir)/server.key"]
        try self.start()
        return "\(dir)/ca.pem"
    }

    /// Runs SQL as the superuser.
    func execute(_ sql: String) throws {
        try Self.shell(
            "psql -h 127.0.0.1 -p \(self.port) -U postgres -d postgres -v ON_ERROR_STOP=1 -q -c \"\(sql.replacingOccurrences(of: "\"", with: "\\\""))\""
        )
    }

    func asPostgres(_ command: String) throws {
        try Self.shell("runuser -u postgres -- sh -c \"\(command.replacingOccurrences(of: "\"", with: "\\\""))\"")
    }

    @discardableResult
    static func shell(_ command: String, quiet: Bool = false) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        // A file, not a pipe: the server started by pg_ctl inherits the descriptors, and a pipe would never close.
        let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("shell-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outputFile) }
        let output = try FileHandle(forWritingTo: outputFile)
        process.standardOutput = output
        process.standardError = output
        try process.run()
        process.waitUntilExit()
        try output.close()
        let text = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else {
            if quiet { throw CancellationError() }
            Issue.record("command failed (\(process.terminationStatus)): \(command)\n\(text)")
            throw CancellationError()
        }
        return text
    }

    deinit {
        if self.server != nil { try? self.stop() }
    }
}
