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
        discussion:
            "Use after fixing whatever made them fail. Redriven letters are acknowledged on the DLQ topic by the subscription composite-service-redrive."
    )

    @Argument(
        help: "The dead-letter topic, e.g. persistent://krane-staging/tasks/orikami-events-composite-service-DLQ."
    )
    var topic: String

    @OptionGroup var broker: EmbeddedBrokerOptions

    func run() async throws {
        let broker = try self.broker.open()
        let topic = EmbeddedBrokerOptions.fullName(self.topic)
        let consumer = try await broker.subscribe(topics: [topic], subscription: "composite-service-redrive")
        var count = 0
        while let letter = try await consumer.receive(timeout: .zero) {
            guard let source = letter.properties["sourceTopic"] else {
                printError("skipped \(letter.id): no sourceTopic property")
                continue
            }
            // A property is whatever the message says: only the input topic this DLQ belongs to is a destination, so
            // a forged letter cannot write to another tenant's topics or to the service's state topics.
            guard Self.isSource(source, of: topic) else {
                printError("skipped \(letter.id): sourceTopic \(source) is not the tenant input topic of \(topic)")
                continue
            }
            _ = try await broker.publish(OutgoingMessage(payload: letter.payload, key: letter.key), to: source)
            try await consumer.acknowledge([MessageRef(topic: topic, id: letter.id)])
            count += 1
        }
        await consumer.close()
        printError("redriven \(count) dead letters")
    }

    /// Whether `source` is a tenant's tasks or experiments topic and `deadLetterTopic` is one of its DLQs.
    static func isSource(_ source: String, of deadLetterTopic: String) -> Bool {
        guard let tenantTopic = TenantTopic(source), tenantTopic.fullName == source else { return false }
        return deadLetterTopic.hasPrefix(source + "-") && deadLetterTopic.hasSuffix("-DLQ")
    }
}
