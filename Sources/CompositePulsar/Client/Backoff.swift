/// Exponential backoff with full jitter: each delay is random in [initial, current], and `current` doubles up to
/// `maximum` after each failure, so reconnecting clients do not retry in lockstep.
struct Backoff {
    let initial: Duration
    let maximum: Duration
    private var current: Duration
    private var random: SystemRandomNumberGenerator

    init(initial: Duration, maximum: Duration) {
        self.initial = initial
        self.maximum = maximum
        self.current = initial
        self.random = SystemRandomNumberGenerator()
    }

    mutating func next() -> Duration {
        let upper = max(self.current, self.initial)
        let delay = self.initial + (upper - self.initial) * Double.random(in: 0...1, using: &self.random)
        self.current = min(self.current * 2, self.maximum)
        return delay
    }

    mutating func reset() {
        self.current = self.initial
    }
}
