import CompositeBroker
import CompositeCore
import CompositeService
import Foundation

/// Issue 12's benchmark line: `pending` composites held (each with its three questionnaires, never completed) while
/// `others` unrelated messages flow over thirty days of event time, through the service's path (the engine driver over
/// the in-memory broker with Pulsar's acknowledgement semantics), carrying held messages with the default settings.
/// Reports the most acknowledgement holes seen on an input subscription and the size of the state topic. The numbers
/// are counts, not rates: `swift run -c release CompositeBenchmarks holding [pending] [others]`.
enum HoldingBenchmark {
    static let tasks = "persistent://krane-staging/tasks/orikami-events"
    static let experiments = "persistent://krane-staging/experiments/orikami-events"

    static func run(pending: Int, others: Int, catalog: ScorerCatalog) async throws {
        let broker = InMemoryBroker()
        let start: Int64 = 1_700_000_000_000
        let span: Int64 = 30 * 86_400_000
        let total = pending * 4 + others
        var loaded = 0
        func load(_ topic: String, _ json: String) {
            let time = Timestamp(millisecondsSinceEpoch: start + span * Int64(loaded) / Int64(total))
            _ = broker.load(OutgoingMessage(payload: Array(json.utf8)), to: topic, publishTime: time)
            loaded += 1
        }
        // Composites spread evenly among the unrelated traffic.
        let every = max(1, others / max(1, pending))
        var composite = 0
        for index in 0..<others {
            if index % every == 0, composite < pending {
                let base = composite * 10
                load(
                    Self.tasks,
                    #"{"name":"FutureTaskCreated","version":"v2","tenant":"orikami","data":{"experimentType":"composite","featureId":"IMWGFrailty","patientId":"patient-\#(composite)","projectId":null,"occurrenceId":\#(base),"startAt":"2023-10-13T08:51:55.206Z"}}"#
                )
                for (offset, feature) in ["Katz-ADL", "Lawton-IADL", "CCI"].enumerated() {
                    load(
                        Self.tasks,
                        #"{"name":"FutureTaskCreated","version":"v2","tenant":"orikami","data":{"experimentType":"questionnaire","featureId":"\#(feature)","patientId":"patient-\#(composite)","projectId":null,"occurrenceId":\#(base + offset + 1),"startAt":"2023-10-13T08:51:55.206Z"}}"#
                    )
                }
                composite += 1
            }
            if index % 2 == 0 {
                load(
                    Self.tasks,
                    #"{"name":"TaskStarted","version":"v2","tenant":"orikami","data":{"occurrenceId":\#(index)}}"#
                )
            } else {
                load(
                    Self.experiments,
                    #"{"name":"QuestionnaireScoreGenerated","version":"v2","tenant":"orikami","data":{"resultId":"other-\#(index)","score":1,"interpretation":null}}"#
                )
            }
        }
        var configuration = EngineConfiguration()
        // Composites wait the whole stream: nothing is decided, everything stays held.
        configuration.claimWindow = 2 * span
        configuration.decidedRetention = 2 * span
        let subscription = ReplayRunner.subscription
        let state = TenantTopic(Self.tasks)!.stateTopic(subscription: configuration.subscription)
        let consumer = try await broker.subscribe(
            topics: [Self.tasks, Self.experiments, state],
            subscription: subscription
        )
        let driver = EngineDriver(
            engine: CompositeEngine(configuration: configuration, catalog: catalog),
            broker: broker,
            consumer: consumer,
            patients: EmptyPatientDirectory()
        )
        try await driver.stateTopicsRead()
        var received = 0
        var maximumHoles = 0
        let clock = ContinuousClock()
        let began = clock.now
        while let message = try await consumer.receive(timeout: .zero) {
            try await driver.process(message)
            guard message.topic != state else { continue }
            received += 1
            if received % 8 == 0 { try await driver.carryHeldMessages(now: nil) }
            if received % 50_000 == 0 || received == loaded {
                for topic in [Self.tasks, Self.experiments] {
                    maximumHoles = max(
                        maximumHoles,
                        broker.acknowledgementHoles(topic: topic, subscription: subscription)
                    )
                }
            }
        }
        let elapsed = clock.now - began
        let statistics = await driver.statistics
        let live = broker.unacknowledged(topic: state, subscription: subscription)
        let stored = broker.publishedMessages.filter { $0.topic == state }
        print(
            "holding: \(pending) composites pending (\(statistics.pendingComposites) at the end), \(loaded) messages over 30 days of event time, default carrying (\(configuration.maxHeldPerTopic) held per topic, \(configuration.carryAge / 86_400_000) days)"
        )
        print(
            "holding: most acknowledgement holes on an input subscription: \(maximumHoles) (sampled every 50,000 messages and at the end)"
        )
        print(
            "holding: state topic: \(live.count) live messages (\(live.reduce(0) { $0 + $1.payload.count } / 1_024) KiB), \(stored.count) stored in all (\(stored.reduce(0) { $0 + $1.payload.count } / 1_048_576) MiB)"
        )
        print(
            "holding: \(statistics.carriedMessagesHeld) held messages stand as copies; \(statistics.unacknowledgedMessages) unacknowledged in the engine; \(String(format: "%.1f", Double(elapsed.components.seconds))) s"
        )
    }
}
