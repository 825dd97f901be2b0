import Foundation

/// A real TLS endpoint in front of a plain TCP server: Python's `ssl` module terminates TLS with a certificate
/// signed by a CA that `init` creates with the `openssl` command, and relays bytes to the upstream port.
public final class TLSTerminator: @unchecked Sendable {
    public let port: Int
    public let directory: URL
    /// The PEM file of the test CA, for the client to trust.
    public var caFile: String { self.directory.appendingPathComponent("ca.pem").path }
    private var process: Process?

    public init(upstreamPort: Int, hostname: String = "localhost") throws {
        self.port = try TestTools.freePort()
        self.directory = FileManager.default.temporaryDirectory.appendingPathComponent("tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
        let dir = self.directory.path
        let steps: [[String]] = [
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=composite-service test CA",
                "-keyout", "\(dir)/ca.key", "-out", "\(dir)/ca.pem",
            ],
            [
                "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=\(hostname)", "-keyout", "\(dir)/server.key",
                "-out", "\(dir)/server.csr",
            ],
            [
                "x509", "-req", "-in", "\(dir)/server.csr", "-CA", "\(dir)/ca.pem", "-CAkey", "\(dir)/ca.key",
                "-CAcreateserial", "-days", "2", "-extfile", "\(dir)/san.cnf", "-out", "\(dir)/server.pem",
            ],
        ]
        try "subjectAltName=DNS:\(hostname)\n".write(toFile: "\(dir)/san.cnf", atomically: true, encoding: .utf8)
        for step in steps {
            let result = try TestTools.run("/usr/bin/openssl", step)
            guard result.status == 0 else { throw TestToolError("openssl \(step[0]) failed: \(result.output)") }
        }
        let script = """
            import asyncio, ssl, sys
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(sys.argv[1], sys.argv[2])
            async def pipe(reader, writer):
                try:
                    while data := await reader.read(65536):
                        writer.write(data)
                        await writer.drain()
                except Exception:
                    pass
                finally:
                    writer.close()
            async def handle(reader, writer):
                try:
                    upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", int(sys.argv[4]))
                except Exception:
                    writer.close()
                    return
                await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))
            async def main():
                server = await asyncio.start_server(handle, "127.0.0.1", int(sys.argv[3]), ssl=context)
                async with server:
                    await server.serve_forever()
            asyncio.run(main())
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c", script, "\(dir)/server.pem", "\(dir)/server.key", "\(self.port)", "\(upstreamPort)",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
    }

    public func waitUntilListening() async throws {
        try await TestTools.waitForPort(self.port)
    }

    public func stop() {
        if let process, process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    deinit {
        self.stop()
        try? FileManager.default.removeItem(at: self.directory)
    }
}
