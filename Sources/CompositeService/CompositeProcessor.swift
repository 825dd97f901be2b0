public import CompositeBroker
import CompositeCore
import Foundation
public import Logging
public import ServiceLifecycle

/// The long-running consumer: reads the tenants' topics, runs the engine, publishes and acknowledges.
///
/// On graceful shutdown it stops taking messages after the batch in hand; that batch's publications and
/// acknowledgements complete before `run` returns, so nothing is lost.
public struct CompositeProcessor: Service {
    let configuration: ServiceConfiguration
    let broker: any MessageBroker
    let patients: any PatientDirectory
    let scorers: ScorerSource
    let metrics: ServiceMetrics
    let logger: Logger

    public init(
        configuration: ServiceConfiguration,
        broker: any MessageBroker,
        patients: any PatientDirectory,
        scorers: ScorerSource,
        metrics: ServiceMetrics,
        logger: Logger
    ) {
        self.configuration = configuration
        self.broker = broker
        self.patients = patients
        self.scorers = scorers
        self.metrics = metrics
        self.logger = logger
    }

    public func run() async throws {
        let topics = self.configuration.topics
        let stateTopics = self.configuration.stateTopics
        let metrics = self.metrics
        let logger = self.logger
        var generation = self.scorers.generation
        let consuming = "consuming \(topics.count) topics"
        // A new engine reads the decision proofs before anything else (see StateTopicGate).
        func openGate() async throws -> StateTopicGate {
            metrics.setReady(false, reason: "reading decision proofs")
            return try await StateTopicGate.open(
                stateTopics: stateTopics,
                token: UUID().uuidString,
                broker: self.broker
            )
        }
        // Markers first: publishing creates a state topic where the broker needs that (Kafka), before subscribing.
        var gate = try await openGate()
        let consumer = try await self.broker.subscribe(
            topics: topics + stateTopics,
            subscription: self.configuration.subscription,
            readFirst: Set(stateTopics)
        )
        func makeDriver() -> EngineDriver {
            EngineDriver(
                engine: CompositeEngine(configuration: self.configuration.engine, catalog: self.scorers.catalog),
                broker: self.broker,
                consumer: consumer,
                patients: self.patients,
                published: { publication in
                    metrics.published(publication)
                    Self.log(publication, logger: logger)
                },
                directoryStatus: { failure in
                    if let failure {
                        logger.error("patient directory unavailable; decisions wait", metadata: ["error": "\(failure)"])
                        metrics.setReady(false, reason: "patient directory unavailable: \(failure)")
                    } else {
                        logger.info("patient directory available again")
                        metrics.setReady(true, reason: consuming)
                    }
                }
            )
        }
        var driver = makeDriver()
        self.logger.info("consuming", metadata: ["topics": "\(topics.joined(separator: " "))"])
        let clock = ContinuousClock()
        var idle = IdleAdvance(topics: topics, interval: .seconds(self.configuration.idleSeconds), now: clock.now)
        var lastReport = clock.now
        var lastRetry = clock.now
        var retryInterval = Duration.seconds(1)
        var lastCaughtUpCheck = clock.now
        var lastCheckpointPublished = clock.now
        defer { self.metrics.setReady(false, reason: "stopped") }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if self.scorers.generation != generation {
                generation = self.scorers.generation
                try await driver.replaceScorers(self.scorers.catalog)
                self.logger.info("scorers reloaded", metadata: ["featureIds": "\(self.scorers.catalog.featureIds)"])
            }
            // What the consumer has buffered, up to a batch: its results are published and its messages acknowledged
            // together (group commit). The batch stops where the gate opens, so the engine hears that the state
            // topics are read right after the message that showed it.
            var batch: [BrokerMessage] = []
            var gateOpened = false
            do {
                var received = try await consumer.receive(timeout: .milliseconds(100))
                while let message = received {
                    let wasOpen = gate.isOpen
                    batch += gate.admit(message)
                    if !wasOpen && gate.isOpen {
                        gateOpened = true
                        break
                    }
                    guard batch.count < Self.batchSize, !Task.isShuttingDownGracefully else { break }
                    received = try await consumer.receive(timeout: .zero)
                }
            } catch let error as BrokerError where error.code == .assignmentChanged || error.code == .outOfOrder {
                // Another instance may now own some of the messages this engine holds, or the broker broke a topic's
                // order: drop everything and rebuild from redelivery (every unacknowledged message comes again, the
                // part of a batch read before the error included).
                if error.code == .outOfOrder {
                    self.logger.error(
                        "broker delivered out of order; rebuilding engine state",
                        metadata: ["reason": "\(error.reason)"]
                    )
                } else {
                    self.logger.notice(
                        "broker assignment changed; rebuilding engine state",
                        metadata: ["reason": "\(error.reason)"]
                    )
                }
                self.metrics.rebuilt(reason: error.code == .outOfOrder ? "out_of_order" : "assignment_changed")
                generation = self.scorers.generation
                driver = makeDriver()
                // The new driver knows of no directory failure; its first failed lookup reports one again.
                gate = try await openGate()
                continue
            }
            if !batch.isEmpty {
                let limit = Self.wallClock().adding(milliseconds: self.configuration.maximumClockSkewSeconds * 1_000)
                for message in batch { self.metrics.consumed(topic: message.topic) }
                try await driver.process(batch, publishedNoLaterThan: limit)
                let now = clock.now
                for message in batch { idle.delivered(message.topic, at: now) }
            }
            if gateOpened {
                try await driver.stateTopicsRead()
                self.logger.info("decision proofs read")
                self.metrics.setReady(true, reason: consuming)
            }
            if await driver.waitingForPatientDirectory > 0, clock.now - lastRetry >= retryInterval {
                // A probe of a directory that is down costs a query timeout in this loop: back off while it fails,
                // so that the loop spends its time reading.
                let stillWaiting = try await driver.retryFailedLookups()
                lastRetry = clock.now
                retryInterval = Self.retryInterval(after: retryInterval, stillWaiting: stillWaiting)
            }
            for topic in idle.topicsToCheck(at: clock.now) where gate.isOpen {
                // The only place the wall clock reaches the engine: a caught-up topic counts as read up to now. The
                // time is read before the broker is asked, so a message published after the answer is later still.
                let wallClock = Self.wallClock()
                var caughtUp = false
                if await !driver.isBlocked { caughtUp = try await consumer.isCaughtUp(on: topic) }
                self.logger.debug("idle topic checked", metadata: ["topic": "\(topic)", "caughtUp": "\(caughtUp)"])
                if idle.checked(topic, caughtUp: caughtUp, at: clock.now) {
                    try await driver.advanceWatermark(topic: topic, to: wallClock)
                }
            }
            if gate.isOpen, clock.now - lastCaughtUpCheck >= .milliseconds(200) {
                lastCaughtUpCheck = clock.now
                // A checkpoint read back applies as soon as its topic is caught up: a restart does not wait for
                // new traffic or the idle interval (semantics guarantee 7).
                for topic in await driver.topicsAwaitingCheckpoint where try await consumer.isCaughtUp(on: topic) {
                    self.logger.debug("checkpoint applies: topic caught up", metadata: ["topic": "\(topic)"])
                    try await driver.topicCaughtUp(topic)
                }
                // Held messages past the carry age move to the state topic (the bound is kept as messages arrive).
                try await driver.carryHeldMessages(now: Self.wallClock())
                if clock.now - lastCheckpointPublished >= .seconds(self.configuration.checkpointSeconds) {
                    lastCheckpointPublished = clock.now
                    try await driver.publishCheckpoints()
                }
            }
            let now = clock.now
            if now - lastReport >= .seconds(1) {
                lastReport = now
                self.metrics.update(
                    statistics: await driver.statistics,
                    watermarks: await driver.watermarks,
                    pending: await driver.pendingComposites,
                    now: Self.wallClock()
                )
            }
        }
        // A planned stop leaves the latest watermarks for the next start.
        if gate.isOpen { try await driver.publishCheckpoints() }
        self.metrics.update(
            statistics: await driver.statistics,
            watermarks: await driver.watermarks,
            pending: await driver.pendingComposites,
            now: Self.wallClock()
        )
        await consumer.close()
        self.logger.info("stopped consuming")
    }

    /// The most messages read before their effects run together: large enough that one transaction carries many
    /// results, small enough that a batch's work stays a fraction of the loop's 200 ms housekeeping period.
    public static let batchSize = 256

    /// The pause before the next patient-lookup retry: 1 s, doubled after each retry that leaves lookups waiting, up
    /// to 8 s; back to 1 s once none waits.
    static func retryInterval(after interval: Duration, stillWaiting: Int) -> Duration {
        stillWaiting > 0 ? min(interval * 2, .seconds(8)) : .seconds(1)
    }

    static func wallClock() -> Timestamp {
        Timestamp(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1_000).rounded(.down)))
    }

    static func log(_ publication: Publication, logger: Logger) {
        switch publication.kind {
        case .result(let featureId, let isError):
            let message = (try? JSONParser.parse(publication.payload))?["data"]
            logger.info(
                isError ? "composite error result published" : "composite result published",
                metadata: [
                    "featureId": "\(featureId)",
                    "occurrenceId": "\(message?["occurrenceId"].map(JSONWriter.string) ?? "?")",
                    "score": "\(message?["score"].map(JSONWriter.string) ?? "null")",
                    "interpretation": "\(message?["interpretation"]?.stringValue ?? "null")",
                    "error": "\(message?["error"]?.stringValue ?? "none")",
                ]
            )
        case .deadLetter(let reason):
            logger.warning("message dead-lettered", metadata: ["topic": "\(publication.topic)", "reason": "\(reason)"])
        case .proof:
            logger.debug("decision proof published", metadata: ["topic": "\(publication.topic)"])
        case .checkpoint:
            logger.debug("watermark checkpoint published", metadata: ["topic": "\(publication.topic)"])
        case .carry:
            logger.debug("held message carried forward", metadata: ["topic": "\(publication.topic)"])
        }
    }
}
