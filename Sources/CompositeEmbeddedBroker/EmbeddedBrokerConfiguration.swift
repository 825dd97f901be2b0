public import CompositeBroker
import Foundation

/// Where the embedded broker keeps its database: `broker.sqlite` in a data folder (the service's `DATA_DIR`).
public struct EmbeddedBrokerConfiguration: Sendable {
    /// The folder, created if missing.
    public var dataDirectory: String

    public init(dataDirectory: String) {
        self.dataDirectory = dataDirectory
    }

    /// The database file inside ``dataDirectory``.
    public var databasePath: String {
        (self.dataDirectory as NSString).appendingPathComponent("broker.sqlite")
    }

    /// Opens the broker behind the seam, as the service uses it.
    public func openBroker() throws(BrokerError) -> any MessageBroker {
        try self.open()
    }

    /// Opens the broker with its inspection methods (reading a topic, counting holes), for the tools and tests that
    /// look inside it.
    public func open() throws(BrokerError) -> EmbeddedBroker {
        do {
            try FileManager.default.createDirectory(atPath: self.dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw BrokerError(
                .storageFailed,
                reason: "the folder \(self.dataDirectory) cannot be created: \(error.localizedDescription)"
            )
        }
        do {
            return try EmbeddedBroker(path: self.databasePath)
        } catch let error as BrokerError {
            throw error
        } catch {
            throw BrokerError(.storageFailed, reason: "\(error)")
        }
    }
}
