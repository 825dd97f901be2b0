import ArgumentParser
import CompositeBroker
import CompositeCore
import CompositeEmbeddedBroker
import CompositeService
import Foundation

/// `composite-service consume`: prints a topic of the embedded broker as JSON Lines.
struct ConsumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume",
        abstract: "Print a topic of the embedded broker (results, dead letters, inputs) as JSON Lines.",
        discussion:
            "Reads without a subscription: nothing is acknowledged. Dead letters live on <topic>-<subscription>-DLQ."
    )

    @Argument(help: "The topic, full or short (krane-staging/experiments/orikami-events).")
    var topic: String

    @OptionGroup var broker: EmbeddedBrokerOptions

    @Option(help: "Only messages after this id.")
    var after: UInt64 = 0

    @Flag(help: "Keep waiting for new messages.")
    var follow = false

    func run() async throws {
        let broker = try self.broker.open()
        let topic = EmbeddedBrokerOptions.fullName(self.topic)
        var cursor = self.after
        while true {
            let messages = try broker.messages(topic: topic, after: cursor)
            for message in messages {
                print(JSONWriter.string(Self.line(message)))
                cursor = message.id.entryId
            }
            if messages.isEmpty {
                guard self.follow else { return }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    static func line(_ message: BrokerMessage) -> JSONValue {
        var object = JSONObject()
        object.append("topic", .string(message.topic))
        object.append("id", .number(.integer(Int(message.id.entryId))))
        object.append("publishTime", .string(message.publishTime.description))
        if let key = message.key { object.append("key", .string(key)) }
        if !message.properties.isEmpty {
            object.append(
                "properties",
                .object(
                    JSONObject(
                        message.properties.sorted { $0.key < $1.key }.map { (key: $0.key, value: .string($0.value)) }
                    )
                )
            )
        }
        if let json = try? JSONParser.parse(message.payload) {
            object.append("message", json)
        } else {
            object.append("raw", .string(String(decoding: message.payload, as: UTF8.self)))
        }
        return .object(object)
    }
}
