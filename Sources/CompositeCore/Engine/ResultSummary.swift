/// What a published result says: the fields an operator reads in the log line of each result.
public struct ResultSummary: Sendable, Hashable {
    public var occurrence: OccurrenceID
    public var score: NumericValue?
    public var interpretation: String?
    /// Why the result carries no score, for an error result.
    public var error: String?

    public init(occurrence: OccurrenceID, score: NumericValue?, interpretation: String?, error: String?) {
        self.occurrence = occurrence
        self.score = score
        self.interpretation = interpretation
        self.error = error
    }
}
