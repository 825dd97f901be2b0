import ArgumentParser
import Foundation

/// `composite-service`: the executable's root command.
@main
struct CompositeServiceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "composite-service",
        abstract: "Scores composite tasks (such as the IMWG Frailty Score) from a tenant's task and experiment events.",
        subcommands: [
            RunCommand.self, ReplayCommand.self, PublishCommand.self, ConsumeCommand.self, PendingCommand.self,
            RedriveCommand.self, ScorersCommand.self, FederationCommand.self,
        ]
    )

    /// Exit code for usage and input errors, as contract `replay.md` requires (ArgumentParser's own default is 64).
    static let usageExitCode: Int32 = 2

    static func main() async {
        do {
            var command = try Self.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch {
            let code = Self.exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((Self.fullMessage(for: error) + "\n").utf8))
                Foundation.exit(Self.usageExitCode)
            }
            Self.exit(withError: error)
        }
    }
}

/// Writes a line to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
