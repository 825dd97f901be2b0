public import CompositeBroker
public import CompositeCore

/// Runs the pure engine against real dependencies: feeds it broker messages and performs the actions it returns.
///
/// The order of effects is the acknowledgement policy: a publication's settled messages are acknowledged only after
/// the broker's receipt for it, because the engine reports them only on ``CompositeEngine/publicationConfirmed(_:)``.
/// The replay command and the long-running service share this path.
public actor EngineDriver {
    private var engine: CompositeEngine
    private let broker: any MessageBroker
    private let consumer: any BrokerConsumer
    private let patients: any PatientDirectory
    private let published: @Sendable (Publication) -> Void
    /// Lookups the patient directory could not answer (an outage): their composites wait, holding their messages.
    private var failedLookups: [PatientLookup] = []
    /// Why patient lookups fail: set by the first failed lookup, cleared once lookups succeed with none left waiting.
    public private(set) var patientDirectoryFailure: String?
    private let directoryStatus: @Sendable (_ failure: String?) -> Void
    /// Set while a retry probes the directory with its first waiting lookup.
    private var probing = false

    /// - Parameters:
    ///   - published: told of every publication once the broker confirmed it (for metrics and logs).
    ///   - directoryStatus: told when patient lookups start failing (with the first failure) and when they work again
    ///     (`nil`), at the moment it happens, so that readiness does not wait for the processor's loop.
    public init(
        engine: CompositeEngine,
        broker: any MessageBroker,
        consumer: any BrokerConsumer,
        patients: any PatientDirectory,
        published: @escaping @Sendable (Publication) -> Void = { _ in },
        directoryStatus: @escaping @Sendable (_ failure: String?) -> Void = { _ in }
    ) {
        self.engine = engine
        self.broker = broker
        self.consumer = consumer
        self.patients = patients
        self.published = published
        self.directoryStatus = directoryStatus
    }

    /// A driver for a new engine: the one way the service and replay build it.
    public init(
        configuration: EngineConfiguration,
        catalog: ScorerCatalog,
        broker: any MessageBroker,
        consumer: any BrokerConsumer,
        patients: any PatientDirectory,
        published: @escaping @Sendable (Publication) -> Void = { _ in },
        directoryStatus: @escaping @Sendable (_ failure: String?) -> Void = { _ in }
    ) {
        self.init(
            engine: CompositeEngine(configuration: configuration, catalog: catalog),
            broker: broker,
            consumer: consumer,
            patients: patients,
            published: published,
            directoryStatus: directoryStatus
        )
    }

    /// What the processor reports from the engine: its gauges, watermarks and pending composites, read in one step.
    public var report:
        (
            statistics: EngineStatistics, watermarks: [(topic: String, watermark: Timestamp)],
            pending: [PendingCompositeSummary]
        )
    {
        (self.engine.statistics, self.engine.watermarks, self.engine.pendingComposites)
    }

    /// Feeds one received message to the engine and carries out its consequences.
    ///
    /// - Parameter limit: an input message published after this time (the wall clock plus the allowed skew) is
    ///   dead-lettered; `nil` checks nothing (replay without `--now`).
    public func process(_ message: BrokerMessage, publishedNoLaterThan limit: Timestamp? = nil) async throws {
        try await self.perform(self.engine.receive(message.delivery, publishedNoLaterThan: limit))
    }

    /// Feeds several received messages to the engine, then carries out their consequences together: their
    /// publications go to the broker as one batch (one transaction on the embedded broker, one wait for delivery
    /// reports on Kafka), and what their confirmations acknowledge goes in one acknowledgement. Nothing is
    /// acknowledged before the broker confirmed what settles it; the engine only sees later messages while earlier
    /// publications are in flight.
    public func process(_ messages: [BrokerMessage], publishedNoLaterThan limit: Timestamp? = nil) async throws {
        var actions: [EngineAction] = []
        for message in messages { actions += self.engine.receive(message.delivery, publishedNoLaterThan: limit) }
        try await self.perform(actions)
    }

    /// The input is exhausted: decide everything that can be decided.
    public func endOfInput() async throws {
        try await self.perform(self.engine.endOfInput())
    }

    /// A topic was idle: it counts as read up to `time`.
    public func advanceWatermark(topic: String, to time: Timestamp) async throws {
        try await self.perform(self.engine.advanceWatermark(topic: topic, to: time))
    }

    /// Checkpoints every tenant's watermarks that moved since its last checkpoint.
    public func publishCheckpoints() async throws {
        try await self.perform(self.engine.publishCheckpoints())
    }

    /// The state topics have been read up to the start marker: carried copies read from them are handled now.
    public func stateTopicsRead() async throws {
        try await self.perform(self.engine.stateTopicsRead())
    }

    /// Carries held messages forward that are due (`now`: the wall clock; `nil` in replay, which has none).
    public func carryHeldMessages(now: Timestamp?) async throws {
        try await self.perform(self.engine.carryHeldMessages(now: now))
    }

    /// The consumer holds nothing more for `topic`: a checkpoint read back for it applies.
    public func topicCaughtUp(_ topic: String) async throws {
        try await self.perform(self.engine.topicCaughtUp(topic))
    }

    /// Input topics with a checkpoint read back and not yet applied.
    public var topicsAwaitingCheckpoint: [String] { self.engine.topicsAwaitingCheckpoint }

    /// New scorers were loaded.
    public func replaceScorers(_ catalog: ScorerCatalog) async throws {
        try await self.perform(self.engine.replaceScorers(catalog))
    }

    /// Tries the lookups that failed again; returns how many still wait. During an outage one lookup probes the
    /// directory first, so that a retry costs one timeout, not one per waiting composite.
    @discardableResult
    public func retryFailedLookups() async throws -> Int {
        guard !self.failedLookups.isEmpty else { return 0 }
        var retry = self.failedLookups[...]
        self.failedLookups = []
        let probe = retry.removeFirst()
        self.probing = true
        defer { self.probing = false }
        try await self.perform([.lookUpPatient(probe)])
        guard self.failedLookups.isEmpty else {
            self.failedLookups += retry
            return self.failedLookups.count
        }
        self.directoryRecoveredIfNothingWaits()
        self.probing = false
        try await self.perform(retry.map { .lookUpPatient($0) })
        self.directoryRecoveredIfNothingWaits()
        return self.failedLookups.count
    }

    public var waitingForPatientDirectory: Int { self.failedLookups.count }

    /// Whether a dependency holds the engine back (composites wait for a patient directory that fails). A blocked
    /// service is not caught up, however quiet its topics: the idle advance must not fire.
    public var isBlocked: Bool { !self.failedLookups.isEmpty || self.patientDirectoryFailure != nil }

    private func directoryFailed(_ error: any Error) {
        guard self.patientDirectoryFailure == nil else { return }
        let failure = "\(error)"
        self.patientDirectoryFailure = failure
        self.directoryStatus(failure)
    }

    private func directoryRecoveredIfNothingWaits() {
        guard self.failedLookups.isEmpty, self.patientDirectoryFailure != nil else { return }
        self.patientDirectoryFailure = nil
        self.directoryStatus(nil)
    }

    public var statistics: EngineStatistics { self.engine.statistics }
    public var counters: EngineCounters { self.engine.counters }
    public var pendingComposites: [PendingCompositeSummary] { self.engine.pendingComposites }
    public var watermarks: [(topic: String, watermark: Timestamp)] { self.engine.watermarks }

    /// How much of a payload a dead letter too large for its broker keeps.
    public static let truncatedDeadLetterBytes = 64 * 1_024

    static func truncatedDeadLetter(_ message: OutgoingMessage) -> OutgoingMessage {
        var truncated = message
        truncated.payload = Array(message.payload.prefix(Self.truncatedDeadLetterBytes))
        truncated.properties["payloadTruncatedFrom"] = "\(message.payload.count) bytes"
        return truncated
    }

    /// Carries out actions in rounds: every lookup of a round first, then its acknowledgements in one call and its
    /// publications in one batch; the confirmations' consequences form the next round. A result and its decision
    /// proof therefore take two rounds, however many composites a batch decides.
    private func perform(_ actions: [EngineAction]) async throws {
        var round = actions
        while !round.isEmpty {
            var publications: [Publication] = []
            var acknowledgements: [MessageRef] = []
            var next: [EngineAction] = []
            for action in round {
                switch action {
                case .publish(let publication): publications.append(publication)
                case .acknowledge(let messages): acknowledgements += messages
                case .lookUpPatient(let lookup): next += try await self.lookUp(lookup)
                }
            }
            if !acknowledgements.isEmpty { try await self.consumer.acknowledge(acknowledgements) }
            if !publications.isEmpty {
                let ids = try await self.store(publications)
                for (publication, id) in zip(publications, ids) {
                    self.published(publication)
                    next += self.engine.publicationConfirmed(publication.id, messageID: id)
                }
            }
            round = next
        }
    }

    /// Publishes a round's publications as one batch; returns their ids in order.
    private func store(_ publications: [Publication]) async throws -> [MessageID] {
        let messages = publications.map { publication in
            (
                message: OutgoingMessage(
                    payload: publication.payload,
                    key: publication.key,
                    properties: publication.properties,
                    publishTime: publication.publishTime
                ),
                topic: publication.topic
            )
        }
        do {
            return try await self.broker.publish(messages)
        } catch let error as BrokerError where error.code == .messageTooLarge {
            // One of them is too large: one at a time, so that only a dead letter too large is cut. A broker that
            // stored some of the batch before refusing stores those again, byte for byte: the same result id twice,
            // and state messages the engine reads by identity.
            var ids: [MessageID] = []
            for (publication, entry) in zip(publications, messages) {
                do {
                    ids.append(try await self.broker.publish(entry.message, to: entry.topic))
                } catch let error as BrokerError where error.code == .messageTooLarge {
                    // A message the broker took once may not fit again beside its dead-letter reason and source: the
                    // dead letter keeps its reason and a prefix of the payload, and says so, rather than stopping the
                    // service on every redelivery.
                    guard case .deadLetter = publication.kind else { throw error }
                    ids.append(try await self.broker.publish(Self.truncatedDeadLetter(entry.message), to: entry.topic))
                }
            }
            return ids
        }
    }

    /// Looks a patient up for the engine; returns the engine's answer to the record or refusal.
    private func lookUp(_ lookup: PatientLookup) async throws -> [EngineAction] {
        // While the directory is known to fail, a new lookup waits for the next retry instead of spending a timeout
        // of its own: the loop keeps reading, and the messages stay held either way.
        if self.patientDirectoryFailure != nil, !self.probing {
            self.failedLookups.append(lookup)
            return []
        }
        let record: PatientRecord?
        do {
            record = try await self.patients.lookUp(tenant: lookup.tenant, patientId: lookup.patientId)
        } catch let refusal as PatientLookupRefused {
            return self.engine.patientLookupRefused(lookup, reason: refusal.reason)
        } catch {
            // An outage is never "not found": the composite stays undecided until a retry succeeds.
            self.failedLookups.append(lookup)
            self.directoryFailed(error)
            return []
        }
        return self.engine.patientLookedUp(lookup, record: record)
    }
}
