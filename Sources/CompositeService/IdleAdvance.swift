/// When a quiet topic's watermark may move to the wall clock (semantics, matching rule 4): **idle means caught up,
/// not quiet.**
///
/// A topic becomes a candidate once nothing was delivered from it for `interval`. The candidate is then asked about:
/// the caller checks that the service is not blocked and that the consumer has been handed everything the broker
/// holds for the topic, and reports the answer with ``checked(_:caughtUp:at:)``. Only a caught-up answer advances the
/// watermark; otherwise the topic is asked about again after `recheck`, so that a broker round trip is not made on
/// every turn of the loop. A value type with time as an input, tested without I/O.
struct IdleAdvance {
    let interval: Duration
    let recheck: Duration
    /// When each topic is next asked about.
    private var nextCheck: [String: ContinuousClock.Instant]

    init(topics: [String], interval: Duration, recheck: Duration = .seconds(1), now: ContinuousClock.Instant) {
        self.interval = interval
        self.recheck = recheck
        self.nextCheck = Dictionary(
            topics.map { ($0, now.advanced(by: interval)) },
            uniquingKeysWith: { first, _ in first }
        )
    }

    /// A message of `topic` was handed to the engine: the topic is not quiet.
    mutating func delivered(_ topic: String, at now: ContinuousClock.Instant) {
        guard self.nextCheck[topic] != nil else { return }
        self.nextCheck[topic] = now.advanced(by: self.interval)
    }

    /// The topics quiet for at least `interval` that are due to be asked about, in a stable order.
    func topicsToCheck(at now: ContinuousClock.Instant) -> [String] {
        self.nextCheck.filter { _, next in now >= next }.keys.sorted()
    }

    /// The answer for `topic`. Returns whether its watermark may move to the wall clock now.
    mutating func checked(_ topic: String, caughtUp: Bool, at now: ContinuousClock.Instant) -> Bool {
        guard self.nextCheck[topic] != nil else { return false }
        // Advanced or not, the next question waits: after an advance for another quiet interval, otherwise `recheck`.
        self.nextCheck[topic] = now.advanced(by: caughtUp ? self.interval : min(self.recheck, self.interval))
        return caughtUp
    }
}
