import CompositeBroker
import DequeModule
import Synchronization

/// The consumer's receiver queue: connections push decoded messages from their event loops, `receive` pops them.
///
/// Bounded by the flow-control permits each partition consumer has granted, not by this type.
final class DeliveryQueue: Sendable {
    struct Entry: Sendable {
        var message: BrokerMessage
        var source: PartitionConsumer
        /// Which subscription of `source` delivered it; permits are only returned to the current one.
        var epoch: Int
    }

    private struct State {
        var entries: Deque<Entry> = []
        var waiter: (id: UInt64, continuation: CheckedContinuation<Void, Never>)?
        var nextWaiterID: UInt64 = 0
        /// Timers that fired before their waiter was registered: the waiter must not wait.
        var expired: Set<UInt64> = []
        var failure: PulsarError?
    }

    private let state = Mutex(State())

    func push(_ entries: [Entry]) {
        guard !entries.isEmpty else { return }
        let waiter = self.state.withLock { state in
            state.entries.append(contentsOf: entries)
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.continuation.resume()
    }

    /// Drops every entry not yet taken: their subscriptions were stopped and deliver them again.
    func removeAll() {
        self.state.withLock { $0.entries.removeAll() }
    }

    /// Makes every waiting and future `pop` throw: the consumer cannot go on.
    func fail(_ error: PulsarError) {
        let waiter = self.state.withLock { state in
            if state.failure == nil { state.failure = error }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.continuation.resume()
    }

    /// The next entry, or `nil` when none arrives within `timeout`.
    func pop(timeout: Duration) async throws(PulsarError) -> Entry? {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            let ready: Result<Entry?, PulsarError> = self.state.withLock { state in
                if let entry = state.entries.popFirst() { return .success(entry) }
                if let failure = state.failure { return .failure(failure) }
                return .success(nil)
            }
            if let entry = try ready.get() { return entry }
            if clock.now >= deadline { return nil }
            let id = self.state.withLock { state in
                state.nextWaiterID += 1
                return state.nextWaiterID
            }
            let timer = Task {
                try? await Task.sleep(until: deadline, clock: clock)
                self.wake(id)
            }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = self.state.withLock { state in
                    if state.expired.remove(id) != nil || !state.entries.isEmpty || state.failure != nil { return true }
                    state.waiter = (id, continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
            timer.cancel()
            self.state.withLock { _ = $0.expired.remove(id) }
        }
    }

    private func wake(_ id: UInt64) {
        let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter, waiter.id == id else {
                if state.nextWaiterID == id { state.expired.insert(id) }
                return nil
            }
            state.waiter = nil
            return waiter.continuation
        }
        waiter?.resume()
    }
}
