public import CompositeBroker

/// Reads the composite results retained on experiments topics, from the start.
///
/// It uses a fresh subscription with a unique name, so it reads the whole retained history and leaves the service's
/// own subscription alone, and it closes that subscription without acknowledging anything. On Pulsar the operator
/// may want to expire such subscriptions (they hold no backlog anyone waits for).
public enum ExperimentsReader {
    /// Every `CompositeScoreGenerated` on `topics`, read until nothing arrives for `idle`.
    public static func records(
        broker: any MessageBroker,
        topics: [String],
        idle: Duration = .milliseconds(300)
    ) async throws -> [CompositeResultRecord] {
        guard !topics.isEmpty else { return [] }
        let consumer = try await broker.subscribe(
            topics: topics,
            subscription: "federation-summary-\(FederationNode.randomID())"
        )
        var records: [CompositeResultRecord] = []
        do {
            while let message = try await consumer.receive(timeout: idle) {
                if let record = CompositeResultRecord(payload: message.payload, publishTime: message.publishTime) {
                    records.append(record)
                }
            }
        } catch {
            await consumer.close()
            throw error
        }
        await consumer.close()
        return records
    }
}
