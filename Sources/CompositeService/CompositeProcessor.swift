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
    let readiness: Readiness
    let logger: Logger

    public init(
        configuration: ServiceConfiguration,
        broker: any MessageBroker,
        patients: any PatientDirectory,
        scorers: ScorerSource,
        metrics: ServiceMetrics,
        readiness: Readiness = Readiness(),
        logger: Logger
    ) {
        self.configuration = configuration
        self.broker = broker
        self.patients = patients
        self.scorers = scorers
        self.metrics = metrics
        self.readiness = readiness
        self.logger = logger
    }

    public func run() async throws {
        var session = try await self.openSession()
        let clock = ContinuousClock()
        var schedule = ProcessorSchedule(
            topics: self.configuration.topics,
            idleInterval: .seconds(self.configuration.idleSeconds),
            checkpointPeriod: .seconds(self.configuration.checkpointSeconds),
            now: clock.now
        )
        self.logger.info("consuming", metadata: ["topics": "\(self.configuration.topics.joined(separator: " "))"])
        defer { self.readiness.set(false, reason: "stopped") }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if try await session.updateScorers(from: self.scorers) {
                self.logger.info("scorers reloaded", metadata: ["featureIds": "\(self.scorers.catalog.featureIds)"])
            }
            do {
                let (batch, gateOpened) = try await session.readBatch(limit: Self.batchSize)
                try await self.process(batch, gateOpened: gateOpened, in: session, schedule: &schedule, clock: clock)
            } catch let error as BrokerError where error.code == .assignmentChanged || error.code == .outOfOrder {
                try await self.rebuild(&session, after: error)
                continue
            }
            let lookupsWaiting = await session.driver.waitingForPatientDirectory > 0
            for chore in schedule.due(
                at: clock.now,
                lookupsWaiting: lookupsWaiting,
                stateTopicsRead: session.gate.isOpen
            ) {
                try await self.perform(chore, in: session, schedule: &schedule, clock: clock)
            }
        }
        // A planned stop leaves the latest watermarks for the next start.
        if session.gate.isOpen { try await session.driver.publishCheckpoints() }
        await self.report(session.driver)
        await session.consumer.close()
        self.logger.info("stopped consuming")
    }

    /// The most messages read before their effects run together: large enough that one transaction carries many
    /// results, small enough that a batch's work stays a fraction of the loop's 200 ms housekeeping period.
    public static let batchSize = 256

    /// The session, with a driver that reports publications to the metrics and the log, and directory outages to
    /// readiness at the moment they happen.
    private func openSession() async throws -> EngineSession {
        let (metrics, readiness, logger) = (self.metrics, self.readiness, self.logger)
        let consuming = "consuming \(self.configuration.topics.count) topics"
        return try await EngineSession.open(
            broker: self.broker,
            configuration: self.configuration,
            scorers: self.scorers,
            onGate: { readiness.set(false, reason: "reading decision proofs") },
            makeDriver: { consumer, catalog in
                EngineDriver(
                    configuration: self.configuration.engine,
                    catalog: catalog,
                    broker: self.broker,
                    consumer: consumer,
                    patients: self.patients,
                    published: { publication in
                        metrics.published(publication)
                        Self.log(publication, logger: logger)
                    },
                    directoryStatus: { failure in
                        if let failure {
                            logger.error(
                                "patient directory unavailable; decisions wait",
                                metadata: ["error": "\(failure)"]
                            )
                            readiness.set(false, reason: "patient directory unavailable: \(failure)")
                        } else {
                            logger.info("patient directory available again")
                            readiness.set(true, reason: consuming)
                        }
                    }
                )
            }
        )
    }

    /// Runs a batch through the engine (the wall clock bounds how far ahead a message may be published), and tells
    /// the engine when the batch showed the state topics read.
    private func process(
        _ batch: [BrokerMessage],
        gateOpened: Bool,
        in session: EngineSession,
        schedule: inout ProcessorSchedule,
        clock: ContinuousClock
    ) async throws {
        if !batch.isEmpty {
            let limit = Self.wallClock().adding(milliseconds: self.configuration.maximumClockSkewSeconds * 1_000)
            for message in batch { self.metrics.consumed(topic: message.topic) }
            try await session.driver.process(batch, publishedNoLaterThan: limit)
            let now = clock.now
            for message in batch { schedule.delivered(message.topic, at: now) }
        }
        if gateOpened {
            try await session.driver.stateTopicsRead()
            self.logger.info("decision proofs read")
            self.readiness.set(true, reason: "consuming \(self.configuration.topics.count) topics")
        }
    }

    /// Another instance may now own some of the messages this engine holds, or the broker broke a topic's order:
    /// drop everything and rebuild from redelivery.
    private func rebuild(_ session: inout EngineSession, after error: BrokerError) async throws {
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
        // The new driver knows of no directory failure; its first failed lookup reports one again.
        try await session.rebuild(scorers: self.scorers)
    }

    /// Performs one periodic chore.
    private func perform(
        _ chore: ProcessorSchedule.Chore,
        in session: EngineSession,
        schedule: inout ProcessorSchedule,
        clock: ContinuousClock
    ) async throws {
        let driver = session.driver
        switch chore {
        case .retryLookups:
            let stillWaiting = try await driver.retryFailedLookups()
            schedule.retried(stillWaiting: stillWaiting, at: clock.now)
        case .checkIdle(let topic):
            // The only place the wall clock reaches the engine: a caught-up topic counts as read up to now. The
            // time is read before the broker is asked, so a message published after the answer is later still.
            let wallClock = Self.wallClock()
            var caughtUp = false
            if await !driver.isBlocked { caughtUp = try await session.consumer.isCaughtUp(on: topic) }
            self.logger.debug("idle topic checked", metadata: ["topic": "\(topic)", "caughtUp": "\(caughtUp)"])
            if schedule.idleChecked(topic, caughtUp: caughtUp, at: clock.now) {
                try await driver.advanceWatermark(topic: topic, to: wallClock)
            }
        case .applyCheckpoints:
            // A checkpoint read back applies as soon as its topic is caught up: a restart does not wait for new
            // traffic or the idle interval (semantics guarantee 7).
            for topic in await driver.topicsAwaitingCheckpoint where try await session.consumer.isCaughtUp(on: topic) {
                self.logger.debug("checkpoint applies: topic caught up", metadata: ["topic": "\(topic)"])
                try await driver.topicCaughtUp(topic)
            }
        case .carryHeldMessages:
            // Held messages past the carry age move to the state topic (the bound is kept as messages arrive).
            try await driver.carryHeldMessages(now: Self.wallClock())
        case .publishCheckpoints:
            try await driver.publishCheckpoints()
        case .report:
            await self.report(driver)
        }
    }

    private func report(_ driver: EngineDriver) async {
        let report = await driver.report
        self.metrics.update(
            statistics: report.statistics,
            watermarks: report.watermarks,
            pending: report.pending,
            now: Self.wallClock()
        )
    }

    static func wallClock() -> Timestamp {
        Timestamp(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1_000).rounded(.down)))
    }

    static func log(_ publication: Publication, logger: Logger) {
        switch publication.kind {
        case .result(let featureId, let isError):
            let summary = publication.summary
            logger.info(
                isError ? "composite error result published" : "composite result published",
                metadata: [
                    "featureId": "\(featureId)",
                    "occurrenceId": "\(summary.map { JSONWriter.string($0.occurrence.json) } ?? "?")",
                    "score": "\(summary?.score.map { JSONWriter.string(.number($0)) } ?? "null")",
                    "interpretation": "\(summary?.interpretation ?? "null")",
                    "error": "\(summary?.error ?? "none")",
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
