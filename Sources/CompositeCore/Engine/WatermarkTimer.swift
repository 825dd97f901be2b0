/// Work that waits until a topic's watermark reaches `fireAt`.
struct WatermarkTimer: Comparable {
    enum Work {
        /// Look at the composite again: a decision may now be possible.
        case evaluate(OccurrenceKey)
        /// Release the score if it is still unlinked.
        case releaseUnlinkedScore(ResultKey, HeldRef)
        /// Release the candidate if it is still unclaimed.
        case closeClaimWindow(OccurrenceKey)
        /// Forget a decided composite and its tasks.
        case forgetDecided([OccurrenceKey])
        /// Acknowledge a composite settled by a result read back after a restart, and the result itself.
        case releaseSettled(OccurrenceKey)
        /// Acknowledge a decision proof whose retention has passed.
        case releaseProof(OccurrenceKey)
    }

    var fireAt: Timestamp
    /// Insertion order, so that timers due at the same time run in a deterministic order.
    var sequence: UInt64
    var work: Work

    static func < (lhs: WatermarkTimer, rhs: WatermarkTimer) -> Bool {
        (lhs.fireAt, lhs.sequence) < (rhs.fireAt, rhs.sequence)
    }

    static func == (lhs: WatermarkTimer, rhs: WatermarkTimer) -> Bool {
        lhs.fireAt == rhs.fireAt && lhs.sequence == rhs.sequence
    }
}
