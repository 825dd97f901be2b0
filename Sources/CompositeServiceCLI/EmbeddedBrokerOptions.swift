import ArgumentParser
import CompositeEmbeddedBroker
import CompositeService
import Foundation

/// The options of the tools that open the embedded broker directly.
struct EmbeddedBrokerOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "The embedded broker's folder (DATA_DIR).")
    var dataDirectory = ProcessInfo.processInfo.environment["DATA_DIR"] ?? "data"

    func open() throws -> EmbeddedBroker {
        try EmbeddedBrokerConfiguration(dataDirectory: self.dataDirectory).open()
    }

    /// A topic name in full form; the short form `P/namespace/topic` gets `persistent://`.
    static func fullName(_ topic: String) -> String {
        topic.hasPrefix("persistent://") ? topic : "persistent://\(topic)"
    }
}
