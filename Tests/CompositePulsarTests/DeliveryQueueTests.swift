import CompositeBroker
import CompositeCore
import Testing

@testable import CompositePulsar

@Suite struct DeliveryQueueTests {
    @Test func anEmptyQueueTimesOut() async throws {
        let queue = DeliveryQueue()
        let clock = ContinuousClock()
        let start = clock.now
        #expect(try await queue.pop(timeout: .milliseconds(100)) == nil)
        // A lower bound only: a loaded machine makes it later, never earlier.
        #expect(clock.now - start >= .milliseconds(100))
        #expect(try await queue.pop(timeout: .zero) == nil)
    }

    @Test func aFailedQueueThrowsToWaiters() async throws {
        let queue = DeliveryQueue()
        // The timeout only guards against a waiter that is never woken.
        let waiting = Task { try await queue.pop(timeout: .seconds(60)) }
        // Not a verdict: when the machine is slow and the failure comes first, pop finds it at once and throws too.
        try await Task.sleep(for: .milliseconds(50))
        queue.fail(PulsarError(.closed, "closed"))
        await #expect(throws: PulsarError.self) { _ = try await waiting.value }
    }
}
