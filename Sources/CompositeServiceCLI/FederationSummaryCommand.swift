import ArgumentParser
import CompositeBroker
import CompositeCore
import CompositeFederation

/// `composite-service federation summary`: the aggregator's federated summary, as a table or JSON.
struct FederationSummaryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "As the aggregator: ready-check the participants, request their summaries, combine and print them."
    )

    @OptionGroup var options: FederationNodeOptions

    @Option(help: "Only results published at or after this time (ISO 8601).")
    var from: String?

    @Option(help: "Only results published before this time (ISO 8601).")
    var to: String?

    @Option(help: "Seconds to wait for the ready check, and again for the replies.")
    var timeout = 30

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() async throws {
        let (configuration, keys, broker) = try self.options.load()
        guard configuration.role == .aggregator else {
            printError("error: \(configuration.node) is not the aggregator in \(self.options.config)")
            throw ExitCode(2)
        }
        var range = TimeRange()
        for (name, text) in [("--from", self.from), ("--to", self.to)] {
            guard let text else { continue }
            guard let time = Timestamp(iso8601: text) else {
                printError("error: \(name) is not an ISO 8601 time: \(text)")
                throw ExitCode(2)
            }
            if name == "--from" { range.from = time } else { range.to = time }
        }
        let node = try FederationNode(configuration: configuration, keys: keys, broker: broker)
        let requested = range
        let timeout = Duration.seconds(self.timeout)
        let outcome = try await runNode(node, broker: broker, serve: false) {
            var generator = SystemRandomNumberGenerator()
            return try await FederatedStatistics.summarize(
                node: node,
                broker: broker,
                range: requested,
                timeout: timeout,
                using: &generator
            )
        }
        guard let outcome else { throw ExitCode(130) }
        Self.print(outcome, json: self.json)
    }

    static func print(_ outcome: FederatedStatistics.Outcome, json: Bool) {
        if json {
            var object = outcome.summary.json.objectValue ?? JSONObject()
            object.append("missing", .array(outcome.missing.map(JSONValue.string)))
            Swift.print(JSONWriter.string(.object(object)))
        } else {
            Swift.print(outcome.summary.table)
            if !outcome.missing.isEmpty {
                Swift.print("\nNo answer from: \(outcome.missing.joined(separator: ", "))")
            }
        }
    }
}
