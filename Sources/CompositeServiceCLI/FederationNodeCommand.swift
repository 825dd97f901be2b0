import ArgumentParser
import CompositeFederation

/// `composite-service federation node`: runs one node until SIGINT or SIGTERM.
struct FederationNodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Run a federation node: answer ready checks and summary requests until Ctrl-C or SIGTERM."
    )

    @OptionGroup var options: FederationNodeOptions

    func run() async throws {
        let (configuration, keys, broker) = try self.options.load()
        let node = try FederationNode(configuration: configuration, keys: keys, broker: broker)
        printError(
            "node \(node.id) (\(node.role.rawValue)) reading \(configuration.inboxTopic(for: node.id)); "
                + "results from \(configuration.experimentsTopics.joined(separator: ", "))"
        )
        _ = try await runNode(node, broker: broker, serve: true) { () async throws -> Bool? in
            try await Task.sleep(for: .seconds(365 * 86_400))
            return nil
        }
        let rejections = await node.rejections
        if !rejections.isEmpty {
            printError(
                "rejected: "
                    + rejections.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            )
        }
        let dropped = await node.droppedInboxMessages
        if !dropped.isEmpty {
            printError(
                "dropped from the inbox (sender over its bound): "
                    + dropped.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            )
        }
    }
}
