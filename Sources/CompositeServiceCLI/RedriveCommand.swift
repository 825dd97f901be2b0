import ArgumentParser
import CompositeBroker
import CompositeCore
import CompositeService
import Foundation

/// `composite-service redrive`: publishes dead letters back to the topic they came from.
struct RedriveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redrive",
        abstract: "Publish the dead letters of a DLQ topic back to their source topic (each once).",
        discussion: "Use after fixing whatever made them fail. Redriven letters are acknowledged on the DLQ topic by the subscription composite-service-redrive.")

    @Argument(help: "The dead-letter topic, e.g. persistent://krane-staging/tasks/orikami-events-composite-service-DLQ.")
    var topic: String

    @Option(name: .customLong("data-dir"), help: "The embedded broker's folder (DATA_DIR).")
    var dataDirectory = ProcessInfo.processInfo.environment["DATA_DIR"] ?? "data"

    func run() async throws {
        let broker = try ServiceRunner.openEmbeddedBroker(dataDirectory: self.dataDirectory)
        let topic = self.topic.hasPrefix("persistent://") ? self.topic : "persistent://\(self.topic)"
        let consumer = try await broker.subscribe(topics: [topic], subscription: "composite-service-redrive")
        var count = 0
        while let letter = try await consumer.receive(timeout: .zero) {
            guard let source = letter.properties["sourceTopic"] else {
                printError("skipped \(letter.id): no sourceTopic property")
                continue
            }
            _ = try await broker.publish(OutgoingMessage(payload: letter.payload, key: letter.key), to: source)
            try await consumer.acknowledge([MessageRef(topic: topic, id: letter.id)])
            count += 1
        }
        await consumer.close()
        printError("redriven \(count) dead letters")
    }
}
