/// Why one scoring attempt gave no score; its `reason` becomes ``ScorerVerdict/rejected(reason:)``.
struct ScoringRejection: Error, Sendable {
    /// One human-readable sentence naming the input or step and the cause.
    let reason: String

    init(_ reason: String) {
        self.reason = reason
    }
}
