import CompositeBroker
import CompositeCore
import CompositeEmbeddedBroker
import CompositeFederation
import Foundation
import Synchronization
import Testing

/// Keys and configurations for a federation of test nodes; the first node is the aggregator.
struct TestFederation {
    let names: [String]
    let keys: [String: NodePrivateKeys]
    var configurations: [String: FederationConfiguration]

    init(names: [String] = ["site-a", "site-b", "site-c"], threshold: Int = 5, noiseEpsilon: Double? = nil) {
        self.names = names
        var keys: [String: NodePrivateKeys] = [:]
        for name in names { keys[name] = NodePrivateKeys.generate() }
        self.keys = keys
        let participants = names.enumerated().map { offset, name in
            FederationConfiguration.Participant(
                name: name,
                role: offset == 0 ? .aggregator : .default,
                keys: keys[name]!.publicKeys
            )
        }
        var configurations: [String: FederationConfiguration] = [:]
        for name in names {
            var configuration = FederationConfiguration(node: name, participants: participants)
            configuration.brokerTenant = "krane-test"
            configuration.kraneTenants = ["\(name)-tenant"]
            configuration.release = ReleasePolicy(suppressionThreshold: threshold, noiseEpsilon: noiseEpsilon)
            configurations[name] = configuration
        }
        self.configurations = configurations
    }

    func node(
        _ name: String,
        broker: any MessageBroker,
        now: @escaping @Sendable () -> Timestamp = FederationNode.systemClock
    ) throws -> FederationNode {
        try FederationNode(configuration: self.configurations[name]!, keys: self.keys[name]!, broker: broker, now: now)
    }

    func nodes(broker: any MessageBroker) throws -> [FederationNode] {
        try self.names.map { try self.node($0, broker: broker) }
    }
}

/// Runs every node's receive loop while `body` runs, then stops them.
func withRunning<T: Sendable>(
    _ nodes: [FederationNode],
    _ body: @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for node in nodes { group.addTask { try await node.run() } }
        do {
            let result = try await body()
            group.cancelAll()
            return result
        } catch {
            group.cancelAll()
            throw error
        }
    }
}

/// The two brokers every messaging test runs over.
enum TestBroker: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case inMemory
    case embedded

    var testDescription: String { self.rawValue }

    func make() throws -> any MessageBroker {
        switch self {
        case .inMemory: return InMemoryBroker()
        case .embedded:
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("federation-\(UUID().uuidString)", isDirectory: true)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            return try EmbeddedBroker(path: directory.appendingPathComponent("broker.sqlite").path)
        }
    }
}

/// Publishes composite results onto a topic with their own publish times.
func publish(_ records: [CompositeResultRecord], tenant: String, to topic: String, broker: any MessageBroker) throws {
    let messages = records.map { (OutgoingMessage(payload: $0.payload(tenant: tenant)), $0.publishTime) }
    if let memory = broker as? InMemoryBroker {
        for (message, time) in messages { memory.load(message, to: topic, publishTime: time) }
    } else if let embedded = broker as? EmbeddedBroker {
        _ = try embedded.store(
            messages.map { message, time in
                var timed = message
                timed.publishTime = time
                return (timed, topic)
            }
        )
    }
}

/// Random composite results, reproducible from `seed`.
func randomRecords(count: Int, seed: UInt64, prefix: String) -> [CompositeResultRecord] {
    var generator = SplitMix64(seed: seed)
    let features = ["IMWGFrailty", "GaitSpeed"]
    let interpretations = ["fit", "intermediate", "frail"]
    return (0..<count).map { index in
        let feature = features[Int(generator.next() % UInt64(features.count))]
        let isError = generator.next() % 10 == 0
        let level = Int(generator.next() % 3)
        let score = Double(level * 2) + Double(generator.next() % 200) / 100
        return CompositeResultRecord(
            resultID: "\(prefix)-\(index)",
            featureID: feature,
            score: isError ? nil : score,
            interpretation: isError ? nil : interpretations[level],
            publishTime: Timestamp(millisecondsSinceEpoch: 1_700_000_000_000 + Int64(index) * 1_000)
        )
    }
}

/// A broker that loses the first `count` receipts a node publishes, as a flaky network would.
final class ReceiptDroppingBroker: MessageBroker {
    let base: any MessageBroker
    let remaining: Mutex<Int>

    init(base: any MessageBroker, dropping count: Int) {
        self.base = base
        self.remaining = Mutex(count)
    }

    func publish(_ message: OutgoingMessage, to topic: String) async throws -> MessageID {
        if let envelope = try? FederationEnvelope.decode(message.payload), envelope.kind == .receipt {
            let drop = self.remaining.withLock { remaining in
                guard remaining > 0 else { return false }
                remaining -= 1
                return true
            }
            if drop { return MessageID(entryId: 0) }
        }
        return try await self.base.publish(message, to: topic)
    }

    func subscribe(topics: [String], subscription: String) async throws -> any BrokerConsumer {
        try await self.base.subscribe(topics: topics, subscription: subscription)
    }

    func close() async { await self.base.close() }
}

/// Generous bounds for the messaging API's wall-clock timeouts: on a loaded machine a receipt can take seconds, and a
/// wait that succeeds returns as soon as it does, so only a hang ever costs the full bound.
enum Wait {
    static let bound = Duration.seconds(60)

    /// Polls `condition` until it holds; records an issue naming `what` if it still does not after `bound`. (This
    /// target cannot see `TestTools.waitUntil` in BrokerTestSupport; it is the same wait.)
    static func until(_ what: String, _ condition: () async throws -> Bool) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: Self.bound)
        while try await !condition() {
            guard clock.now < deadline else {
                Issue.record("\(what) did not happen within \(Self.bound)")
                return
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
