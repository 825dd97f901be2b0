import ArgumentParser
import CompositeService
import Foundation
import Logging

/// `composite-service run`: the long-running service.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the service: consume the tenants' topics, publish composite results, until SIGTERM or Ctrl-C.",
        discussion: "Configured from the environment over a .env file; .env.example lists every key."
    )

    @Option(name: .customLong("env-file"), help: "A .env file read under the environment (skipped when absent).")
    var envFile = ".env"

    @Option(help: "Publish these fixture files into the broker first (keeping their publish times).")
    var publish: [String] = []

    func run() async throws {
        let configuration: ServiceConfiguration
        do {
            let dotEnv =
                FileManager.default.fileExists(atPath: self.envFile)
                ? try DotEnvFile.parse(try TextFile.read(self.envFile), fileName: self.envFile) : [:]
            configuration = try ServiceConfiguration.load(
                environment: ProcessInfo.processInfo.environment,
                dotEnv: dotEnv
            )
        } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        ServiceRunner.bootstrapLogging(configuration)
        let logger = Logger(label: "composite-service")
        logger.info("starting", metadata: ["configuration": "\(configuration)"])
        do {
            let broker = try ServiceRunner.openBroker(configuration, logger: logger)
            for file in self.publish {
                let messages = try FixtureReader.read(contents: try TextFile.read(file), fileName: file)
                try await ServiceRunner.publish(messages, to: broker)
                logger.info("published fixture", metadata: ["file": "\(file)", "messages": "\(messages.count)"])
            }
            try await ServiceRunner.run(configuration: configuration, broker: broker, logger: logger)
        } catch let error as ServiceError {
            logger.critical("cannot start: \(error)")
            throw ExitCode(2)
        }
        logger.info("stopped")
    }
}
