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
        #expect(clock.now - start >= .milliseconds(100))
        #expect(try await queue.pop(timeout: .zero) == nil)
    }

    @Test func aFailedQueueThrowsToWaiters() async throws {
        let queue = DeliveryQueue()
        let waiting = Task { try await queue.pop(timeout: .seconds(10)) }
        try await Task.sleep(for: .milliseconds(50))
        queue.fail(PulsarError(.closed, "closed"))
        await #expect(throws: PulsarError.self) { _ = try await waiting.value }
    }
}
