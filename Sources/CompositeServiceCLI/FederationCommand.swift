import ArgumentParser
import CompositeBroker
import CompositeCore
import CompositeFederation
import Foundation
import UnixSignals

/// `composite-service federation`: node-to-node messaging and federated composite statistics.
struct FederationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "federation",
        abstract: "Federated composite statistics between sites: keys, nodes, summaries and a local demo.",
        discussion: "See docs/federation.md for the configuration file, the security model and the statistics.",
        subcommands: [
            FederationKeygenCommand.self, FederationNodeCommand.self, FederationSummaryCommand.self,
            FederationDemoCommand.self,
        ]
    )
}

/// The options of commands that act as one configured node.
struct FederationNodeOptions: ParsableArguments {
    @Option(help: "The federation configuration file (YAML).")
    var config = "federation.yaml"

    @Option(help: "This node's key file (from `federation keygen`).")
    var keys = "federation.key"

    @OptionGroup var broker: EmbeddedBrokerOptions

    /// The configuration, the node's keys and the broker; a usage error (exit 2) when anything is off.
    func load() throws -> (FederationConfiguration, NodePrivateKeys, any MessageBroker) {
        do {
            let configuration = try FederationConfiguration.load(path: self.config)
            let (node, keys) = try KeyFile.load(path: self.keys)
            guard node == configuration.node else {
                throw FederationError(
                    .invalidConfiguration,
                    file: self.keys,
                    key: "node",
                    "is \(node), but \(self.config) configures node \(configuration.node)"
                )
            }
            return (configuration, keys, try self.broker.open())
        } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
    }
}

/// Returns when the process receives SIGINT or SIGTERM.
func terminationSignal() async {
    for await _ in await UnixSignalsSequence(trapping: .sigint, .sigterm) { return }
}

/// Runs `node` (and, for default nodes, the summary responder) until `body` returns or the process is signalled.
func runNode<T: Sendable>(
    _ node: FederationNode,
    broker: any MessageBroker,
    serve: Bool,
    _ body: @escaping @Sendable () async throws -> T?
) async throws -> T? {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            try await node.run()
            return nil
        }
        if serve {
            group.addTask {
                try await FederatedStatistics.serve(node: node, broker: broker)
                return nil
            }
        }
        group.addTask {
            await terminationSignal()
            return nil
        }
        group.addTask { try await body() }
        // The first task to finish (the body, a signal, or a failure) ends them all.
        let result = try await group.next() ?? nil
        group.cancelAll()
        return result
    }
}
