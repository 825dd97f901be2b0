public import CompositeBroker
import CompositeCore

/// The federated composite statistics protocol over ``FederationNode`` messages.
///
/// 1. The aggregator ready-checks the participants.
/// 2. It sends a plain request (category ``requestCategory``: time range and histogram bins; no data) to the ready
///    nodes and awaits their replies.
/// 3. Each node reads its own experiments topics, summarises under its own ``ReleasePolicy`` and replies with its
///    ``NodeSummary`` sealed for the aggregator only.
/// 4. The aggregator adds its own summary (when it has experiments topics) and combines them into a
///    ``FederatedSummary``.
public enum FederatedStatistics {
    /// Category of summary requests and their replies.
    public static let requestCategory = "composite.summary"

    /// What the aggregator got: the combined summary and the nodes that did not answer.
    public struct Outcome: Sendable {
        public var summary: FederatedSummary
        /// Participants that were not ready or did not reply in time, sorted.
        public var missing: [String]
    }

    /// The summary of this node's own results.
    public static func localSummary(
        configuration: FederationConfiguration,
        broker: any MessageBroker,
        range: TimeRange,
        binning: ScoreBinning,
        using generator: inout some RandomNumberGenerator
    ) async throws -> NodeSummary {
        let records = try await ExperimentsReader.records(broker: broker, topics: configuration.experimentsTopics)
        return NodeSummary.make(
            node: configuration.node,
            records: records,
            range: range,
            binning: binning,
            policy: configuration.release,
            using: &generator
        )
    }

    /// Answers summary requests from aggregators until the task is cancelled. `generator` draws the noise; pass a
    /// seeded one only in tests.
    public static func serve(
        node: FederationNode,
        broker: any MessageBroker,
        generator: some RandomNumberGenerator & Sendable = SystemRandomNumberGenerator()
    ) async throws {
        var generator = generator
        let aggregators = node.participants.filter { $0.role == .aggregator }.map(\.name)
        guard !aggregators.isEmpty else { return }
        while !Task.isCancelled {
            let requests = try await node.awaitMessages(
                from: aggregators,
                category: Self.requestCategory,
                timeout: .milliseconds(200)
            )
            for request in requests.values.joined() where request.inReplyTo == nil {
                try await Self.answer(request, node: node, broker: broker, using: &generator)
            }
        }
    }

    /// Summarises this node's results as `request` asks and replies, sealed for the requester only.
    public static func answer(
        _ request: FederationMessage,
        node: FederationNode,
        broker: any MessageBroker,
        using generator: inout some RandomNumberGenerator
    ) async throws {
        guard let range = request.body["range"], let binning = request.body["binning"] else {
            throw FederationError(.invalidPayload, key: request.sender, "a summary request needs range and binning")
        }
        let bins = try ScoreBinning(json: binning)
        let summary = try await Self.localSummary(
            configuration: node.configuration,
            broker: broker,
            range: try TimeRange(json: range),
            binning: bins,
            using: &generator
        )
        _ = try await node.send(
            to: [request.sender],
            category: Self.requestCategory,
            body: summary.json,
            encrypted: true,
            inReplyTo: request.id,
            maxAttempts: 5,
            timeout: .seconds(60),
            attemptTimeout: .seconds(5)
        )
        await node.delete([request.id])
    }

    /// Runs a federated summary as the aggregator.
    ///
    /// - Parameters:
    ///   - includeOwnResults: add this node's own summary (default: when it has experiments topics).
    ///   - timeout: for the ready check, and again for the replies.
    public static func summarize(
        node: FederationNode,
        broker: any MessageBroker,
        range: TimeRange,
        includeOwnResults: Bool? = nil,
        timeout: Duration = .seconds(30),
        using generator: inout some RandomNumberGenerator
    ) async throws -> Outcome {
        let configuration = node.configuration
        let binning = configuration.binning
        let ready = try await node.readyCheck(interval: .milliseconds(500), timeout: timeout)
        let targets = ready.filter(\.value).map(\.key).sorted()
        var request = JSONObject()
        request.append("range", range.json)
        request.append("binning", binning.json)
        let replies =
            targets.isEmpty
            ? [:]
            : try await node.sendAndWaitForResponses(
                to: targets,
                category: Self.requestCategory,
                body: .object(request),
                maxAttempts: 3,
                timeout: timeout,
                attemptTimeout: .seconds(5),
                responseTimeout: timeout
            )
        var summaries: [NodeSummary] = []
        var answered: Set<String> = []
        for (sender, messages) in replies {
            // Only a sealed reply from the node itself counts; anything else is ignored.
            guard let reply = messages.first(where: \.encrypted) else { continue }
            let summary = try NodeSummary(json: reply.body)
            guard summary.node == sender else {
                throw FederationError(.invalidPayload, key: sender, "replied with the summary of \(summary.node)")
            }
            summaries.append(summary)
            answered.insert(sender)
            await node.delete(messages.map(\.id))
        }
        if includeOwnResults ?? !configuration.kraneTenants.isEmpty {
            summaries.append(
                try await Self.localSummary(
                    configuration: configuration,
                    broker: broker,
                    range: range,
                    binning: binning,
                    using: &generator
                )
            )
        }
        let missing = node.participants.map(\.name).filter { !answered.contains($0) }.sorted()
        if summaries.isEmpty {
            throw FederationError(.incompatibleSummaries, "no node answered: \(missing.joined(separator: ", "))")
        }
        return Outcome(summary: try FederatedSummary.combine(summaries), missing: missing)
    }
}
