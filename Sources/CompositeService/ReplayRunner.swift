import CompositeBroker
public import CompositeCore
import CompositeScoring

/// Replays fixture streams through the real engine and publishing path, over an in-memory broker.
public enum ReplayRunner {
    /// The subscription the replay consumes with, as the service does.
    public static let subscription = "composite-service"
    /// How many new messages apart the replay checkpoints the watermarks, as the service does every few seconds.
    static let checkpointEvery = 8

    /// Runs a replay of already-parsed fixtures.
    ///
    /// - Parameters:
    ///   - messages: the fixture messages in single-consumer order.
    ///   - catalog: the scorers.
    ///   - patients: the patient directory.
    public static func run(
        messages: [FixtureMessage],
        catalog: ScorerCatalog,
        patients: any PatientDirectory,
        options: ReplayOptions
    ) async throws -> ReplayReport {
        let broker = InMemoryBroker(
            configuration: InMemoryBroker.Configuration(
                interleaving: options.interleaveSeed.map { .random(seed: $0) } ?? .publishOrder,
                duplicateEvery: options.duplicateEvery,
                publishClock: .logical
            )
        )
        var topics: [String] = []
        var seenTopics: Set<String> = []
        for message in messages {
            broker.load(
                OutgoingMessage(payload: message.payload, key: message.key),
                to: message.topic,
                publishTime: message.publishTime
            )
            // Subscribe to both topics of every tenant pair, as the service does (a name is parsed once).
            guard seenTopics.insert(message.topic).inserted else { continue }
            let topic = TenantTopic(message.topic)!
            for kind in [TopicKind.tasks, .experiments] where !topics.contains(topic.sibling(kind).fullName) {
                topics.append(topic.sibling(kind).fullName)
            }
        }

        let stateTopics = topics.compactMap { TenantTopic($0) }.filter { $0.kind == .tasks }
            .map { $0.stateTopic(subscription: options.engine.subscription) }
        let subscribed = topics + stateTopics
        var restarts = 0
        var newDeliveries = 0
        var consumer = try await broker.subscribe(
            topics: subscribed,
            subscription: Self.subscription,
            readFirst: Set(stateTopics)
        )
        func makeDriver() -> EngineDriver {
            EngineDriver(
                configuration: options.engine,
                catalog: catalog,
                broker: broker,
                consumer: consumer,
                patients: patients
            )
        }
        var driver = makeDriver()
        // As the service does: every engine reads the proofs before anything else. Tokens are counted, not random,
        // so that a replay stays deterministic.
        var gate = try await StateTopicGate.open(stateTopics: stateTopics, token: "replay-0", broker: broker)
        var endOfInputSent = false
        var seenIds: Set<MessageRef> = []
        while true {
            guard let message = try await consumer.receive(timeout: .zero) else {
                if endOfInputSent { break }
                try await driver.endOfInput()
                endOfInputSent = true
                continue
            }
            let limit = options.now?.adding(milliseconds: options.maximumClockSkew)
            let wasOpen = gate.isOpen
            for admitted in gate.admit(message) { try await driver.process(admitted, publishedNoLaterThan: limit) }
            if !wasOpen, gate.isOpen { try await driver.stateTopicsRead() }
            guard !stateTopics.contains(message.topic) else { continue }
            // A restart counts new messages only, so every cycle makes progress however many are held.
            guard seenIds.insert(MessageRef(topic: message.topic, id: message.id)).inserted else { continue }
            newDeliveries += 1
            // Checkpoints "from time to time", counted in messages so that a replay stays deterministic.
            if newDeliveries % Self.checkpointEvery == 0 {
                try await driver.publishCheckpoints()
                // Carrying by age, in event time: replay has no clock.
                try await driver.carryHeldMessages(now: nil)
            }
            if let every = options.restartEvery, every > 0, newDeliveries % every == 0 {
                await consumer.close()
                if let forget = options.forgetEvery { broker.forgetAcknowledgements(every: forget) }
                consumer = try await broker.subscribe(
                    topics: subscribed,
                    subscription: Self.subscription,
                    readFirst: Set(stateTopics)
                )
                driver = makeDriver()
                restarts += 1
                gate = try await StateTopicGate.open(
                    stateTopics: stateTopics,
                    token: "replay-\(restarts)",
                    broker: broker
                )
                endOfInputSent = false
            }
        }
        await consumer.close()

        var report = ReplayReport(
            records: [],
            messagesRead: messages.count,
            results: 0,
            errorResults: 0,
            deadLetters: 0,
            pendingComposites: await driver.statistics.pendingComposites,
            unacknowledged: Self.unacknowledgedIdentities(broker: broker, topics: topics, stateTopics: stateTopics),
            restarts: restarts
        )
        // Proofs, checkpoints, carried copies and read markers are the service's own state, not part of what replay
        // prints.
        for published in broker.publishedMessages where stateTopics.contains(published.topic) {
            if let json = try? JSONParser.parse(published.payload), CarriedMessage(json: json) != nil {
                report.messagesCarried += 1
            }
        }
        for published in broker.publishedMessages where !stateTopics.contains(published.topic) {
            if let reason = published.properties["reason"], published.topic.hasSuffix("-DLQ") {
                report.deadLetters += 1
                report.records.append(
                    .deadLetter(
                        topic: published.topic,
                        reason: reason,
                        raw: String(decoding: published.payload, as: UTF8.self)
                    )
                )
            } else {
                let message =
                    (try? JSONParser.parse(published.payload))
                    ?? .string(String(decoding: published.payload, as: UTF8.self))
                if message["data"]?["error"]?.isNull == false { report.errorResults += 1 } else { report.results += 1 }
                report.records.append(.result(topic: published.topic, message: message))
            }
        }
        return report
    }

    /// The input messages still unacknowledged: on their topics, or as carried copies on the state topics (a message
    /// and its copy count once).
    static func unacknowledgedIdentities(broker: InMemoryBroker, topics: [String], stateTopics: [String]) -> Int {
        var identities: Set<MessageRef> = []
        for topic in topics {
            for message in broker.unacknowledged(topic: topic, subscription: Self.subscription) {
                identities.insert(MessageRef(topic: topic, id: message.id))
            }
        }
        for topic in stateTopics {
            for message in broker.unacknowledged(topic: topic, subscription: Self.subscription) {
                guard let json = try? JSONParser.parse(message.payload), let carried = CarriedMessage(json: json)
                else { continue }
                identities.insert(MessageRef(topic: carried.topic, id: carried.id))
            }
        }
        return identities.count
    }

    /// Reads the files named by `options` and runs the replay.
    ///
    /// - Returns: the report and the scorer files that were refused (the replay goes on without them).
    public static func run(options: ReplayOptions) async throws -> (
        report: ReplayReport, scorerErrors: [ScorerLoadError]
    ) {
        var messages: [FixtureMessage] = []
        for file in options.fixtures {
            messages += try FixtureReader.read(
                contents: try TextFile.read(file),
                fileName: file,
                previousTime: messages.last?.publishTime
            )
        }
        let patients: any PatientDirectory
        if let file = options.patients {
            patients = try JSONLinesPatientDirectory(contents: try TextFile.read(file), fileName: file)
        } else {
            patients = EmptyPatientDirectory()
        }
        let (registry, errors) = try ScorerDirectory.load(options.composites)
        let report = try await Self.run(
            messages: messages,
            catalog: ScorerCatalog(registry.scorers.map { $0 as any CompositeScorer }),
            patients: patients,
            options: options
        )
        return (report, errors)
    }
}
