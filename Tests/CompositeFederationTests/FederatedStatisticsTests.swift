import CompositeBroker
import CompositeCore
import CompositeFederation
import Testing

@Suite(.timeLimit(.minutes(2))) struct FederatedStatisticsTests {
    /// Publishes each node's results on its own experiments topic (plus traffic statistics must ignore).
    func seed(_ federation: TestFederation, broker: any MessageBroker, seed: UInt64) throws -> [CompositeResultRecord] {
        var pooled: [CompositeResultRecord] = []
        for (offset, name) in federation.names.enumerated() {
            let configuration = federation.configurations[name]!
            let records = randomRecords(count: 60 + offset * 25, seed: seed &+ UInt64(offset), prefix: name)
            try publish(
                records,
                tenant: configuration.kraneTenants[0],
                to: configuration.experimentsTopics[0],
                broker: broker
            )
            pooled += records
        }
        return pooled
    }

    /// Runs the aggregator and the `running` default nodes (default: all) and the aggregator's summary.
    func summarize(
        _ federation: TestFederation,
        broker: any MessageBroker,
        running: [String]? = nil,
        timeout: Duration = .seconds(20)
    ) async throws -> FederatedStatistics.Outcome {
        let all = try federation.nodes(broker: broker)
        let nodes = all.filter { $0.role == .aggregator || (running ?? federation.names).contains($0.id) }
        return try await withRunning(nodes) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for node in nodes.dropFirst() {
                    group.addTask {
                        try await FederatedStatistics.serve(node: node, broker: broker, generator: SplitMix64(seed: 9))
                    }
                }
                var generator = SplitMix64(seed: 5)
                let outcome = try await FederatedStatistics.summarize(
                    node: nodes[0],
                    broker: broker,
                    range: TimeRange(),
                    timeout: timeout,
                    using: &generator
                )
                group.cancelAll()
                return outcome
            }
        }
    }

    @Test(arguments: TestBroker.allCases)
    func threeNodesSummaryEqualsThePooledComputation(_ kind: TestBroker) async throws {
        let federation = TestFederation(threshold: 0)
        let broker = try kind.make()
        let pooled = try self.seed(federation, broker: broker, seed: 11)
        let outcome = try await self.summarize(federation, broker: broker)
        #expect(outcome.missing.isEmpty)
        #expect(outcome.summary.nodes == ["site-a", "site-b", "site-c"])
        try expectEqual(outcome.summary, FeatureStatistics.compute(pooled, binning: ScoreBinning()))
    }

    @Test(arguments: TestBroker.allCases)
    func smallCellsNeverLeaveTheNode(_ kind: TestBroker) async throws {
        let federation = TestFederation(threshold: 5)
        let broker = try kind.make()
        // site-c has only three frail results besides its large fit group.
        let records =
            (0..<30).map {
                CompositeResultRecord(
                    resultID: "c\($0)",
                    featureID: "IMWGFrailty",
                    score: 1,
                    interpretation: "fit",
                    publishTime: Timestamp(millisecondsSinceEpoch: 1_000)
                )
            }
            + (30..<33).map {
                CompositeResultRecord(
                    resultID: "c\($0)",
                    featureID: "IMWGFrailty",
                    score: 4,
                    interpretation: "frail",
                    publishTime: Timestamp(millisecondsSinceEpoch: 1_000)
                )
            }
        let c = federation.configurations["site-c"]!
        try publish(records, tenant: c.kraneTenants[0], to: c.experimentsTopics[0], broker: broker)
        let outcome = try await self.summarize(federation, broker: broker)
        let feature = try #require(outcome.summary.features.first)
        #expect(feature.count == 33)
        #expect(feature.interpretations["frail"] == FederatedSummary.Count(value: 0, complete: false))
        #expect(feature.interpretations["fit"] == FederatedSummary.Count(value: 0, complete: false))
        #expect(!feature.histogram[5].complete && !feature.momentsComplete)
        #expect(outcome.summary.table.contains(">=0"))
    }

    @Test func aNodeThatIsDownIsReportedMissing() async throws {
        let federation = TestFederation(threshold: 0)
        let broker = InMemoryBroker()
        let pooled = try self.seed(federation, broker: broker, seed: 3)
        // c's absence costs the whole timeout; b's answer must fit in it however loaded the machine, hence the default.
        let outcome = try await self.summarize(federation, broker: broker, running: ["site-b"])
        #expect(outcome.missing == ["site-c"])
        let expected = pooled.filter { !$0.resultID.hasPrefix("site-c") }
        try expectEqual(outcome.summary, FeatureStatistics.compute(expected, binning: ScoreBinning()))
    }
}
