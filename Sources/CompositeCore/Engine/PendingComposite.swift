/// A composite task the engine has not finished with, and every fact it has gathered.
struct PendingComposite {
    enum Phase: Equatable {
        /// Gathering components and waiting for watermarks.
        case collecting
        /// Matched; waiting for the patient's attributes.
        case awaitingPatient(lookup: UInt64)
        /// Decided; the result is being published and the held messages are acknowledged on confirmation.
        case publishing(PublicationID)
    }

    struct Component {
        var occurrence: OccurrenceID
        var completedAt: Timestamp?
        var resultId: String?
        var scoredAt: Timestamp?
        var score: NumericValue??
    }

    struct Expiry {
        var at: Timestamp
        /// `nil` when the composite itself expired, else the feature whose claimed task expired.
        var feature: String?
        var occurrence: OccurrenceID
    }

    let key: OccurrenceKey
    let task: TaskCreated
    /// Position in the tasks topic, for "oldest pending composite".
    let order: UInt64
    /// Publish time of its `FutureTaskCreated`.
    let createdAt: Timestamp
    var held: [HeldRef]
    /// `nil` while no scorer is loaded for the featureId.
    var requiredFeatures: [String]?
    var components: [String: Component] = [:]
    var expiry: Expiry?
    var phase: Phase = .collecting

    /// Whether it may still claim a task for `feature`.
    func canClaim(_ feature: String) -> Bool {
        self.phase == .collecting && self.expiry == nil && self.components[feature] == nil
            && (self.requiredFeatures?.contains(feature) ?? false)
    }

    /// The latest publish time among the completions and scores of the required components, when all are scored.
    var doneTime: Timestamp? {
        guard let required = self.requiredFeatures else { return nil }
        var latest = self.createdAt
        for feature in required {
            guard let component = self.components[feature], let completedAt = component.completedAt,
                let scoredAt = component.scoredAt
            else { return nil }
            latest = max(latest, completedAt, scoredAt)
        }
        return latest
    }
}

/// A non-composite task that some scorer could use and that no composite has claimed yet.
struct Candidate {
    let key: OccurrenceKey
    let match: MatchKey
    let createdAt: Timestamp
    let ref: HeldRef
}

/// A score whose resultId no claimed task has been linked to yet.
struct UnlinkedScore {
    let ref: HeldRef
    let publishedAt: Timestamp
    let score: NumericValue?
}
