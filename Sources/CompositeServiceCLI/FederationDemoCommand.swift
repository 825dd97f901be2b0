import ArgumentParser
import CompositeBroker
import CompositeCore
import CompositeEmbeddedBroker
import CompositeFederation
import Foundation

/// `composite-service federation demo`: three local nodes over one embedded broker, one federated summary.
struct FederationDemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a federated summary across three local nodes with fresh keys and generated IMWG results.",
        discussion: """
            Creates a folder with one embedded broker, a configuration and key file per node, publishes generated \
            CompositeScoreGenerated results on each hospital's experiments topic, runs the three nodes and prints \
            the aggregator's summary; then checks that with suppression off the summary equals the pooled data.
            """
    )

    static let names = ["hospital-a", "hospital-b", "hospital-c"]

    @Option(help: "The demo's folder (default: a new temporary folder).")
    var directory: String?

    @Option(help: "Seed of the generated results.")
    var seed: UInt64 = 2026

    @Option(help: "Suppression threshold of every node.")
    var threshold = 5

    @Option(help: "Noise ε of every node (default: no noise).")
    var epsilon: Double?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() async throws {
        let folder =
            self.directory
            ?? FileManager.default.temporaryDirectory.appendingPathComponent(
                "composite-federation-demo-\(UUID().uuidString)"
            ).path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // A temporary folder holds private keys: it goes when the demo ends.
        defer { if self.directory == nil { try? FileManager.default.removeItem(atPath: folder) } }
        let broker = try EmbeddedBroker(path: (folder as NSString).appendingPathComponent("broker.sqlite"))
        var keys: [String: NodePrivateKeys] = [:]
        for name in Self.names { keys[name] = NodePrivateKeys.generate() }
        let policy = ReleasePolicy(suppressionThreshold: self.threshold, noiseEpsilon: self.epsilon)
        let configurations = try self.writeFiles(folder: folder, keys: keys, policy: policy)
        var pooled: [CompositeResultRecord] = []
        var generator = SplitMix64(seed: self.seed)
        for (offset, name) in Self.names.enumerated() {
            let records = Self.results(
                count: [150, 190, 90][offset],
                hospital: offset,
                prefix: name,
                using: &generator
            )
            let configuration = configurations[name]!
            _ = try broker.store(
                records.map {
                    (
                        OutgoingMessage(payload: $0.payload(tenant: name), publishTime: $0.publishTime),
                        configuration.experimentsTopics[0]
                    )
                }
            )
            pooled += records
        }
        printError(
            "demo folder \(folder)\(self.directory == nil ? " (removed at the end; --directory keeps one)" : ""): "
                + "broker.sqlite, <node>.yaml, <node>.key; \(pooled.count) results published"
        )
        let outcome = try await Self.summarize(configurations: configurations, keys: keys, broker: broker)
        FederationSummaryCommand.print(outcome, json: self.json)

        // The correctness check: the same federation with suppression and noise off equals the pooled computation.
        let open = configurations.mapValues { configuration -> FederationConfiguration in
            var copy = configuration
            copy.release = ReleasePolicy(suppressionThreshold: 0)
            return copy
        }
        let exact = try await Self.summarize(configurations: open, keys: keys, broker: broker)
        let matches = exact.summary.matches(FeatureStatistics.compute(pooled, binning: ScoreBinning()))
        printError(
            matches
                ? "check: with suppression off, the federated summary equals the pooled computation"
                : "check FAILED: the federated summary differs from the pooled computation"
        )
        if !matches { throw ExitCode(1) }
    }

    /// Runs the three nodes and the aggregator's summary.
    static func summarize(
        configurations: [String: FederationConfiguration],
        keys: [String: NodePrivateKeys],
        broker: EmbeddedBroker
    ) async throws -> FederatedStatistics.Outcome {
        let nodes = try Self.names.map {
            try FederationNode(configuration: configurations[$0]!, keys: keys[$0]!, broker: broker)
        }
        return try await withThrowingTaskGroup(of: FederatedStatistics.Outcome?.self) { group in
            for node in nodes {
                group.addTask {
                    try await node.run()
                    return nil
                }
            }
            for node in nodes.dropFirst() {
                group.addTask {
                    try await FederatedStatistics.serve(node: node, broker: broker)
                    return nil
                }
            }
            group.addTask {
                var generator = SystemRandomNumberGenerator()
                return try await FederatedStatistics.summarize(
                    node: nodes[0],
                    broker: broker,
                    range: TimeRange(),
                    timeout: .seconds(30),
                    using: &generator
                )
            }
            while let next = try await group.next() {
                if let outcome = next {
                    group.cancelAll()
                    return outcome
                }
            }
            throw CancellationError()
        }
    }

    /// Writes each node's configuration and key file; returns the configurations.
    func writeFiles(
        folder: String,
        keys: [String: NodePrivateKeys],
        policy: ReleasePolicy
    ) throws -> [String: FederationConfiguration] {
        let entries = Self.names.enumerated().map { offset, name in
            KeyFile.participantEntry(
                node: name,
                role: offset == 0 ? .aggregator : .default,
                keys: keys[name]!.publicKeys
            )
        }
        var configurations: [String: FederationConfiguration] = [:]
        for name in Self.names {
            var text = "node: \(name)\nbrokerTenant: krane-demo\nkraneTenants: [\(name)]\n"
            text += "suppressionThreshold: \(policy.suppressionThreshold)\n"
            if let epsilon = policy.noiseEpsilon { text += "noiseEpsilon: \(epsilon)\n" }
            text += "participants:\n" + entries.joined()
            let path = (folder as NSString).appendingPathComponent("\(name).yaml")
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let keyPath = (folder as NSString).appendingPathComponent("\(name).key")
            try? FileManager.default.removeItem(atPath: keyPath)
            try KeyFile.write(node: name, keys: keys[name]!, to: keyPath)
            // Read back through the loader, exactly as `federation node --config` would.
            configurations[name] = try FederationConfiguration.load(path: path)
        }
        return configurations
    }

    /// Generated IMWG frailty results: scores 0–5 (0 fit, 1 intermediate, 2 and more frail), about one in twelve an
    /// error; each hospital's patients a little frailer than the previous one's.
    static func results(
        count: Int,
        hospital: Int,
        prefix: String,
        using generator: inout SplitMix64
    ) -> [CompositeResultRecord] {
        let start = Timestamp(millisecondsSinceEpoch: 1_795_000_000_000)
        return (0..<count).map { index in
            let time = start.adding(milliseconds: Int64(index) * 60_000)
            guard generator.next() % 12 != 0 else {
                return CompositeResultRecord(
                    resultID: "\(prefix)-\(index)",
                    featureID: "IMWGFrailty",
                    score: nil,
                    interpretation: nil,
                    publishTime: time
                )
            }
            let score = min(5, Int(generator.next() % 4) + Int(generator.next() % UInt64(2 + hospital)))
            let interpretation = score == 0 ? "fit" : score == 1 ? "intermediate" : "frail"
            return CompositeResultRecord(
                resultID: "\(prefix)-\(index)",
                featureID: "IMWGFrailty",
                score: Double(score),
                interpretation: interpretation,
                publishTime: time
            )
        }
    }
}
