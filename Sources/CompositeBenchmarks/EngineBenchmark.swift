import CompositeCore
import CompositeScoring
import CompositeService
import Foundation

/// Decode + reduce throughput of the engine on a generated stream, with a JSON-decode-only baseline measured in the
/// same run. Run in release: `swift run -c release CompositeBenchmarks [patients]`.
@main
enum EngineBenchmark {
    /// Resident memory now (not the peak), from `/proc/self/statm`.
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
    }

    /// Memory per decision proof an engine holds: `count` proofs read from a state topic, each with three claimed
    /// tasks, as after a restart.
    static func bytesPerProof(count: Int, catalog: ScorerCatalog) -> Double {
        let state = "persistent://krane-staging/tasks/orikami-events-composite-service-state"
        let before = Self.residentBytes()
        var engine = CompositeEngine(catalog: catalog)
        for index in 0..<count {
            let base = index * 10
            let proof = DecisionProof(
                tenant: "orikami",
                occurrence: OccurrenceID(String(base)),
                resultId: ResultIdentifier.make(tenant: "orikami", occurrence: OccurrenceID(String(base))),
                claimed: (1...3).map { OccurrenceID(String(base + $0)) },
                componentResults: (1...3).map { "orikami-r\(base + $0)" },
                decidedAt: Timestamp(millisecondsSinceEpoch: 1_700_000_000_000 + Int64(index))
            )
            _ = engine.receive(
                Delivery(
                    topic: state,
                    id: MessageID(entryId: UInt64(index)),
                    publishTime: Timestamp(millisecondsSinceEpoch: 1_700_000_000_000),
                    payload: JSONWriter.encode(proof.json)
                )
            )
        }
        let after = Self.residentBytes()
        precondition(engine.statistics.proofsHeld == count)
        return Double(after - before) / Double(count)
    }

    /// One pass of the engine over `stream`, with every publication confirmed at once and every patient found.
    static func reduce(_ stream: [Delivery], configuration: EngineConfiguration, catalog: ScorerCatalog) -> (
        seconds: Double, results: Int, carried: Int, acknowledged: Int
    ) {
        var engine = CompositeEngine(configuration: configuration, catalog: catalog)
        var results = 0
        var acknowledged = 0
        var stored: UInt64 = 0
        let record = PatientRecord(birthDate: CivilDate(year: 1941, month: 3, day: 2))
        let start = ContinuousClock.now
        func perform(_ actions: [EngineAction]) {
            var queue = actions
            while let action = queue.popLast() {
                switch action {
                case .publish(let publication):
                    if case .result = publication.kind { results += 1 }
                    // The broker's id for what it stored: a carried copy confirmed without one counts as not stored
                    // and is carried again.
                    stored += 1
                    queue += engine.publicationConfirmed(publication.id, messageID: MessageID(entryId: stored))
                case .acknowledge(let refs):
                    acknowledged += refs.count
                case .lookUpPatient(let lookup):
                    queue += engine.patientLookedUp(lookup, record: record)
                }
            }
        }
        for delivery in stream { perform(engine.receive(delivery)) }
        perform(engine.endOfInput())
        let elapsed = ContinuousClock.now - start
        return (
            Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, results,
            engine.counters.messagesCarried, acknowledged
        )
    }

    static func main() async throws {
        let (registry, errors) = try ScorerDirectory.load("composites")
        guard errors.isEmpty else { fatalError("scorer errors: \(errors)") }
        let catalog = ScorerCatalog(registry.scorers.map { $0 as any CompositeScorer })
        let arguments = CommandLine.arguments.dropFirst()
        if arguments.first == "holding" {
            let numbers = arguments.dropFirst().compactMap { Int($0) }
            try await HoldingBenchmark.run(
                pending: numbers.first ?? 20_000,
                others: numbers.dropFirst().first ?? 1_000_000,
                catalog: catalog
            )
            return
        }
        if arguments.first == "recovery" {
            let pending = arguments.dropFirst().first.flatMap { Int($0) } ?? 100_000
            let recovery = try await RecoveryBenchmark.recovery(pending: pending, catalog: catalog)
            print(
                "recovery: restart with \(recovery.held) held messages (\(recovery.pending) pending composites, embedded broker): first result after \(String(format: "%.1f", recovery.firstResultSeconds)) s, all read back and \(recovery.decided) decided after \(String(format: "%.1f", recovery.readBackSeconds)) s (the rest wait for the watermark)"
            )
            return
        }
        // One size per process: memory freed by a smaller run would be reused by a larger one and hide its growth.
        if arguments.first == "memory" {
            let pending = arguments.dropFirst().first.flatMap { Int($0) } ?? 100_000
            let memory = RecoveryBenchmark.memory(pending: pending, catalog: catalog)
            print(
                "memory: \(Int(memory.perComposite)) bytes per pending composite, \(Int(memory.perHeld)) per held message (\(pending) composites, \(memory.held) held)"
            )
            return
        }
        // `engine [patients]`: the engine lines alone (for profiling), without the brokers.
        let engineOnly = arguments.first == "engine"
        let patients = arguments.drop { $0 == "engine" }.first.flatMap { Int($0) } ?? 100_000
        let stream = StreamGenerator.make(patients: patients)
        print("stream: \(stream.count) messages, \(patients) patients")

        // Baseline: JSON parsing alone over the same payloads.
        var parsed = 0
        let baselineStart = ContinuousClock.now
        for delivery in stream where (try? JSONParser.parse(delivery.payload)) != nil { parsed += 1 }
        let baseline = ContinuousClock.now - baselineStart

        let baselineSeconds = Double(baseline.components.seconds) + Double(baseline.components.attoseconds) / 1e18
        let baselineRate = Double(parsed) / baselineSeconds
        print("json parse only (baseline): \(Int(baselineRate)) messages/s")
        // The stream keeps 10,000 composites pending at a time, far past the default bound of 500 held messages per
        // topic: with the defaults most held messages are carried to the state topic. Without carrying (the largest
        // bound) the line shows the decode and matching alone.
        var noCarrying = EngineConfiguration()
        noCarrying.maxHeldPerTopic = 1_000_000
        var rate = 0.0
        for (label, configuration) in [("no carrying", noCarrying), ("default carrying", EngineConfiguration())] {
            let run = Self.reduce(stream, configuration: configuration, catalog: catalog)
            // The embedded broker's line compares with the engine as the service runs it.
            rate = Double(stream.count) / run.seconds
            print(
                "decode + reduce (\(label)): \(Int(rate)) messages/s (\(String(format: "%.2f", rate / baselineRate))x baseline), \(run.results) results, \(run.carried) messages carried, \(run.acknowledged) acknowledgements"
            )
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        print("peak memory (max RSS, includes the generated stream): \(usage.ru_maxrss / 1024) MiB")
        if engineOnly { return }
        for count in [100_000, 200_000] {
            print(
                "decision proofs held: \(Int(Self.bytesPerProof(count: count, catalog: catalog))) bytes of memory each at \(count)"
            )
        }

        // End to end through the embedded broker, on a tenth of the stream (durable writes are the cost here).
        let embeddedStream = StreamGenerator.make(patients: max(1, patients / 10))
        let embedded = try await EmbeddedBrokerBenchmark.run(stream: embeddedStream, catalog: catalog)
        print("embedded broker: durable publish \(Int(embedded.publishRate)) messages/s (batches of 1,000)")
        print(
            "embedded broker: consume + reduce + publish + acknowledge \(Int(embedded.endToEndRate)) messages/s on \(embeddedStream.count) messages (\(String(format: "%.3f", embedded.endToEndRate / rate))x engine-only)"
        )

        // Through Kafka (when a broker is given), on the same tenth of the stream.
        if let kafka = try await KafkaBenchmark.run(stream: embeddedStream, catalog: catalog) {
            print("kafka: publish \(Int(kafka.publish)) messages/s (idempotent, acks=all, batches of 1,000)")
            print("kafka: kcat raw consume \(Int(kafka.kcat)) messages/s (kcat -C -e -q -o beginning, per topic)")
            print(
                "kafka: consume + reduce + publish + commit \(Int(kafka.endToEnd)) messages/s on \(embeddedStream.count) messages (\(String(format: "%.3f", kafka.endToEnd / kafka.kcat))x kcat)"
            )
        } else {
            print("kafka: skipped (set KAFKA_BROKERS, or run scripts/kafka-benchmark)")
        }

        // Through the Pulsar client against pulsar-lite on loopback, with the official client as the baseline.
        let pulsar = try await PulsarBenchmark.run(stream: embeddedStream, catalog: catalog)
        print(
            "pulsar (pulsar-lite): official client consume + acknowledge (baseline) \(Int(pulsar.officialConsume)) messages/s"
        )
        print(
            "pulsar (pulsar-lite): our client consume + acknowledge \(Int(pulsar.rawConsume)) messages/s (\(String(format: "%.2f", pulsar.rawConsume / pulsar.officialConsume))x baseline)"
        )
        print(
            "pulsar (pulsar-lite): consume + reduce + publish + acknowledge \(Int(pulsar.endToEnd)) messages/s on \(embeddedStream.count) messages (\(String(format: "%.2f", pulsar.endToEnd / pulsar.officialConsume))x baseline; \(pulsar.rebuilds) engine rebuilds)"
        )
    }
}
