import CompositeBroker
import CompositeCore
import CompositeKafka
import CompositeService
import Foundation
import Logging

/// Consume + reduce + publish + commit through the Kafka adapter, against `kcat`'s raw consume rate of the same
/// topics on the same broker in the same run. Needs a broker: `scripts/kafka-benchmark` starts Tansu and sets
/// `KAFKA_BROKERS`, `KAFKA_LIBRARY` and `TANSU` (to create one-partition topics); without `KAFKA_BROKERS` it is skipped.
enum KafkaBenchmark {
    struct Rates {
        var publish: Double
        var endToEnd: Double
        var kcat: Double
    }

    static func run(stream: [Delivery], catalog: ScorerCatalog) async throws -> Rates? {
        let environment = ProcessInfo.processInfo.environment
        guard let brokers = environment["KAFKA_BROKERS"] else { return nil }
        let run = UUID().uuidString.prefix(8).lowercased()
        var logger = Logger(label: "kafka-benchmark")
        logger.logLevel = .warning
        let broker = try KafkaBroker(
            configuration: KafkaConfiguration(
                brokers: brokers,
                library: environment["KAFKA_LIBRARY"] ?? KafkaConfiguration.defaultLibrary,
                topics: try KafkaTopicMapping(template: "bench-\(run).{namespace}.{topic}"),
                properties: ["session.timeout.ms": "6000", "heartbeat.interval.ms": "500"]
            ),
            logger: logger
        )
        let topics = Array(Set(stream.map(\.topic))).sorted()
        let kafkaTopics = try topics.map { try broker.configuration.topics.kafkaTopic($0) }
        let stateTopics = EmbeddedBrokerBenchmark.stateTopics(of: topics)
        if let tansu = environment["TANSU"] {
            for topic in try kafkaTopics + stateTopics.map({ try broker.configuration.topics.kafkaTopic($0) }) {
                try Self.shell(tansu, ["topic", "create", "--broker", "tcp://\(brokers)", "--partitions", "1", topic])
            }
        }
        let clock = ContinuousClock()
        let publishStart = clock.now
        for start in stride(from: 0, to: stream.count, by: 1_000) {
            _ = try await broker.publish(
                stream[start..<min(stream.count, start + 1_000)].map {
                    (OutgoingMessage(payload: $0.payload, publishTime: $0.publishTime), $0.topic)
                }
            )
        }
        let publishSeconds = EmbeddedBrokerBenchmark.seconds(clock.now - publishStart)

        // kcat first, while the topics hold exactly the stream.
        let kcatStart = clock.now
        var kcatMessages = 0
        for topic in kafkaTopics {
            kcatMessages += try Self.kcatCount(brokers: brokers, topic: topic, library: environment["KAFKA_LIBRARY"])
        }
        let kcatSeconds = EmbeddedBrokerBenchmark.seconds(clock.now - kcatStart)

        let consumer = try await broker.subscribe(topics: topics + stateTopics, subscription: "bench-\(run)")
        func driver() -> EngineDriver {
            EngineDriver(
                engine: CompositeEngine(catalog: catalog),
                broker: broker,
                consumer: consumer,
                patients: EmbeddedBrokerBenchmark.FixedPatients()
            )
        }
        var current = driver()
        var consumed = 0
        var started: ContinuousClock.Instant?
        // The clock starts at the first message: the group join is not throughput.
        while consumed < stream.count {
            do {
                let batch = try await EmbeddedBrokerBenchmark.batch(from: consumer, timeout: .seconds(30))
                guard !batch.isEmpty else { break }
                started = started ?? clock.now
                try await current.process(batch)
                consumed += batch.filter { EmbeddedBrokerBenchmark.isInput($0, of: topics) }.count
            } catch let error as BrokerError where error.code == .assignmentChanged {
                current = driver()
                consumed = 0
                started = nil
            }
        }
        try await current.endOfInput()
        await consumer.close()
        let elapsed = EmbeddedBrokerBenchmark.seconds(clock.now - (started ?? clock.now))
        await broker.close()
        guard kcatMessages == stream.count else {
            throw KafkaError("kcat", reason: "read \(kcatMessages) of \(stream.count) messages")
        }
        return Rates(
            publish: Double(stream.count) / publishSeconds,
            endToEnd: Double(consumed) / elapsed,
            kcat: Double(kcatMessages) / kcatSeconds
        )
    }

    /// `kcat -C -e -q -o beginning` on one topic; returns how many messages it printed.
    static func kcatCount(brokers: String, topic: String, library: String?) throws -> Int {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/kcat")
        process.arguments = ["-b", brokers, "-C", "-e", "-q", "-o", "beginning", "-t", topic, "-f", "%o\n"]
        var environment = ProcessInfo.processInfo.environment
        if let library { environment["LD_LIBRARY_PATH"] = (library as NSString).deletingLastPathComponent }
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw KafkaError("kcat", topic: topic, reason: "exited \(process.terminationStatus)")
        }
        return data.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
    }

    static func shell(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw KafkaError(
                executable,
                reason: "\(arguments.joined(separator: " ")) exited \(process.terminationStatus)"
            )
        }
    }
}
