/// A `FutureTaskCreated` as far as the engine needs it.
public struct TaskCreated: Sendable, Hashable {
    public var occurrence: OccurrenceID
    public var experimentType: String
    public var featureId: String
    public var patientId: String
    /// `nil` is JSON `null` (or absent): a project of its own.
    public var projectId: String?
    /// Required for composites: the date on which patient ages are taken.
    public var startAt: Timestamp?

    public var isComposite: Bool { self.experimentType == "composite" }

    public init(
        occurrence: OccurrenceID,
        experimentType: String,
        featureId: String,
        patientId: String,
        projectId: String?,
        startAt: Timestamp?
    ) {
        self.occurrence = occurrence
        self.experimentType = experimentType
        self.featureId = featureId
        self.patientId = patientId
        self.projectId = projectId
        self.startAt = startAt
    }
}

/// An experiment result (`<Kind>ScoreGenerated`).
public struct ScoreGenerated: Sendable, Hashable {
    public var resultId: String
    /// `nil` when the experiment could not be scored (JSON `null`).
    public var score: NumericValue?

    public init(resultId: String, score: NumericValue?) {
        self.resultId = resultId
        self.score = score
    }
}

/// A task a published result settled, as listed in its `components`.
public struct SettledTask: Sendable, Hashable {
    public var occurrence: OccurrenceID
    public var resultId: String?

    public init(occurrence: OccurrenceID, resultId: String?) {
        self.occurrence = occurrence
        self.resultId = resultId
    }
}

/// A Krane v2 message, decoded and validated for the role it plays on its topic.
public enum KraneEvent: Sendable, Hashable {
    case taskCreated(TaskCreated)
    case taskCompleted(occurrence: OccurrenceID, resultId: String)
    case taskExpired(occurrence: OccurrenceID)
    case scoreGenerated(ScoreGenerated)
    /// A `CompositeScoreGenerated`: this service's output (or another instance's), read back from the experiments topic.
    /// `components` lists the tasks the result settled, with their resultIds where they had one.
    case compositeScoreGenerated(
        occurrence: OccurrenceID?,
        resultId: String?,
        components: [SettledTask]
    )
    /// A well-formed v2 message the engine has no use for (another event name, or an event on the other topic).
    case unrelated(name: String)
}
