import ArgumentParser
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `composite-service pending`: what each pending composite of a running service waits for.
struct PendingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pending",
        abstract: "Ask a running service what each pending composite is waiting for, and since when."
    )

    @Option(help: "The service's HTTP endpoint.")
    var url = "http://127.0.0.1:\(ProcessInfo.processInfo.environment["HTTP_PORT"] ?? "8080")"

    func run() async throws {
        guard let endpoint = URL(string: self.url + "/pending") else { throw ValidationError("invalid --url") }
        let data: Data
        do {
            (data, _) = try await URLSession.shared.data(from: endpoint)
        } catch {
            printError("error: cannot reach the service at \(self.url): \(error.localizedDescription)")
            throw ExitCode(1)
        }
        FileHandle.standardOutput.write(data)
    }
}
