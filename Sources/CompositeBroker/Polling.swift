/// Waits for a message by polling: for consumers whose storage cannot notify them (memory, a database file shared
/// with other processes).
public enum Polling {
    /// Calls `next` until it returns a message or `timeout` has passed, sleeping `interval` between calls.
    public static func receive(
        timeout: Duration,
        interval: Duration,
        _ next: () throws -> BrokerMessage?
    ) async throws -> BrokerMessage? {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            if let message = try next() { return message }
            let now = clock.now
            if now >= deadline { return nil }
            try await Task.sleep(for: min(interval, deadline - now))
        }
    }
}
