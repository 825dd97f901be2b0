import CompositeBroker
import CompositeCore
import Foundation

/// What the processor consumes with: its consumer, the gate that holds input back until the decision proofs are
/// read, and the engine driver built on them. The driver and gate are replaced together when the broker changes the
/// consumer's share of the topics or breaks their order ("rebuild"); the consumer stays.
struct EngineSession {
    let consumer: any BrokerConsumer
    private(set) var gate: StateTopicGate
    private(set) var driver: EngineDriver
    /// The scorer generation the driver's engine was last given.
    private var scorerGeneration: Int
    private let makeGate: () async throws -> StateTopicGate
    private let makeDriver: (ScorerCatalog) -> EngineDriver

    /// Publishes the gate's markers (which creates a state topic where the broker needs that, Kafka) before
    /// subscribing, then builds the first driver.
    static func open(
        broker: any MessageBroker,
        configuration: ServiceConfiguration,
        scorers: ScorerSource,
        onGate: @escaping @Sendable () -> Void,
        makeDriver: @escaping (_ consumer: any BrokerConsumer, _ catalog: ScorerCatalog) -> EngineDriver
    ) async throws -> EngineSession {
        let stateTopics = configuration.stateTopics
        let makeGate = { () async throws -> StateTopicGate in
            onGate()
            return try await StateTopicGate.open(stateTopics: stateTopics, token: UUID().uuidString, broker: broker)
        }
        let gate = try await makeGate()
        let consumer = try await broker.subscribe(
            topics: configuration.topics + stateTopics,
            subscription: configuration.subscription,
            readFirst: Set(stateTopics)
        )
        let generation = scorers.generation
        return EngineSession(
            consumer: consumer,
            gate: gate,
            driver: makeDriver(consumer, scorers.catalog),
            scorerGeneration: generation,
            makeGate: makeGate,
            makeDriver: { makeDriver(consumer, $0) }
        )
    }

    /// What the consumer has buffered, up to `limit` messages, admitted through the gate. `gateOpened` when the
    /// batch ends at the marker that showed the state topics read, followed by the input that waited for it: the
    /// engine hears that the state topics are read right after the batch.
    mutating func readBatch(limit: Int) async throws -> (messages: [BrokerMessage], gateOpened: Bool) {
        var batch: [BrokerMessage] = []
        var received = try await self.consumer.receive(timeout: .milliseconds(100))
        while let message = received {
            let wasOpen = self.gate.isOpen
            batch += self.gate.admit(message)
            if !wasOpen && self.gate.isOpen { return (batch, true) }
            guard batch.count < limit, !Task.isShuttingDownGracefully else { break }
            received = try await self.consumer.receive(timeout: .zero)
        }
        return (batch, false)
    }

    /// Gives the engine the scorers when they changed since it last got them. Returns whether they had.
    mutating func updateScorers(from scorers: ScorerSource) async throws -> Bool {
        let generation = scorers.generation
        guard generation != self.scorerGeneration else { return false }
        self.scorerGeneration = generation
        try await self.driver.replaceScorers(scorers.catalog)
        return true
    }

    /// Drops every state built from earlier messages: a new engine, behind a new gate, rebuilt from redelivery
    /// (every unacknowledged message comes again, the part of a batch read before the error included).
    mutating func rebuild(scorers: ScorerSource) async throws {
        self.scorerGeneration = scorers.generation
        self.driver = self.makeDriver(scorers.catalog)
        self.gate = try await self.makeGate()
    }
}
