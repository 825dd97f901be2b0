extension CompositeEngine {
    mutating func handle(_ event: KraneEvent, stream: Int32, ref: HeldRef, at time: Timestamp) {
        if self.acknowledgeIfProven(event, stream: stream, ref: ref) { return }
        if self.holdForSettledComposite(event, stream: stream, ref: ref) { return }
        switch event {
        case .taskCreated(let task):
            self.taskCreated(task, key: OccurrenceKey(stream: stream, occurrence: task.occurrence), ref: ref, at: time)
        case .taskCompleted(let occurrence, let resultId):
            self.taskCompleted(
                OccurrenceKey(stream: stream, occurrence: occurrence),
                resultId: resultId,
                ref: ref,
                at: time
            )
        case .taskExpired(let occurrence):
            self.taskExpired(OccurrenceKey(stream: stream, occurrence: occurrence), ref: ref, at: time)
        case .scoreGenerated(let score):
            self.scoreGenerated(score, key: ResultKey(stream: stream, resultId: score.resultId), ref: ref, at: time)
        case .compositeScoreGenerated(let occurrence, let resultId, let components):
            if let occurrence, let resultId {
                self.resultSeen(
                    OccurrenceKey(stream: stream, occurrence: occurrence),
                    resultId: resultId,
                    components: components,
                    ref: ref,
                    at: time
                )
            } else {
                self.acknowledge(ref)
            }
        case .unrelated:
            self.acknowledge(ref)
        }
    }

    // MARK: - Tasks topic

    private mutating func taskCreated(_ task: TaskCreated, key: OccurrenceKey, ref: HeldRef, at time: Timestamp) {
        // A second FutureTaskCreated for a known occurrence repeats a fact already held.
        if self.composites[key] != nil || self.componentOwners[key] != nil || self.candidates[key] != nil
            || self.decided.contains(key)
        {
            self.acknowledge(ref)
            return
        }
        if task.isComposite {
            self.compositeCreated(task, key: key, ref: ref, at: time)
        } else if self.catalog.componentFeatures.contains(task.featureId) {
            self.candidateCreated(task, key: key, ref: ref, at: time)
        } else {
            self.acknowledge(ref)
        }
    }

    private mutating func compositeCreated(_ task: TaskCreated, key: OccurrenceKey, ref: HeldRef, at time: Timestamp) {
        self.sequence += 1
        self.composites[key] = PendingComposite(
            key: key,
            task: task,
            order: self.sequence,
            createdAt: time,
            held: [ref],
            requiredFeatures: self.catalog.scorer(for: task.featureId)?.requiredFeatures
        )
        self.held.insert(ref)
        self.claimCandidates(for: key)
        self.evaluate(key)
    }

    /// Claims, for each feature the composite still wants, the oldest claimable candidate; registers the composite
    /// as wanting the features no candidate is there for.
    mutating func claimCandidates(for key: OccurrenceKey) {
        guard let composite = self.composites[key], let required = composite.requiredFeatures else { return }
        for feature in required where composite.canClaim(feature) {
            let match = MatchKey(
                stream: key.stream,
                patientId: composite.task.patientId,
                projectId: composite.task.projectId,
                featureId: feature
            )
            var claimed = false
            while let candidateKey = self.claimable[match]?.popFirst() {
                if let candidate = self.candidates.removeValue(forKey: candidateKey) {
                    self.claim(candidate.key, ref: candidate.ref, feature: feature, by: key)
                    claimed = true
                    break
                }
            }
            if self.claimable[match]?.isEmpty == true { self.claimable[match] = nil }
            if !claimed { self.wanting[match, default: []].append(key) }
        }
    }

    private mutating func candidateCreated(_ task: TaskCreated, key: OccurrenceKey, ref: HeldRef, at time: Timestamp) {
        let match = MatchKey(
            stream: key.stream,
            patientId: task.patientId,
            projectId: task.projectId,
            featureId: task.featureId
        )
        self.held.insert(ref)
        while let compositeKey = self.wanting[match]?.popFirst() {
            if self.composites[compositeKey]?.canClaim(task.featureId) == true {
                if self.wanting[match]?.isEmpty == true { self.wanting[match] = nil }
                self.claim(key, ref: ref, feature: task.featureId, by: compositeKey)
                return
            }
        }
        self.wanting[match] = nil
        self.candidates[key] = Candidate(key: key, match: match, createdAt: time, ref: ref)
        self.claimable[match, default: []].append(key)
        self.schedule(
            .closeClaimWindow(key),
            stream: key.stream,
            kind: .tasks,
            at: time.adding(milliseconds: self.configuration.claimWindow).adding(milliseconds: 1)
        )
    }

    private mutating func claim(_ task: OccurrenceKey, ref: HeldRef, feature: String, by compositeKey: OccurrenceKey) {
        self.composites[compositeKey]!.components[feature] = PendingComposite.Component(occurrence: task.occurrence)
        self.composites[compositeKey]!.held.append(ref)
        self.componentOwners[task] = ComponentOwner(composite: compositeKey, feature: feature)
    }

    private mutating func taskCompleted(_ key: OccurrenceKey, resultId: String, ref: HeldRef, at time: Timestamp) {
        if let owner = self.componentOwners[key] {
            guard let composite = self.composites[owner.composite], composite.phase == .collecting,
                composite.components[owner.feature]?.completedAt == nil
            else {
                self.acknowledge(ref)
                return
            }
            self.held.insert(ref)
            self.composites[owner.composite]!.held.append(ref)
            self.composites[owner.composite]!.components[owner.feature]!.completedAt = time
            self.composites[owner.composite]!.components[owner.feature]!.resultId = resultId
            let result = ResultKey(stream: key.stream, resultId: resultId)
            self.links[result] = key
            // Scores that came first: the first one close enough in time belongs to the task, the rest are released.
            for early in self.unlinked.removeValue(forKey: result) ?? [] {
                if self.composites[owner.composite]!.components[owner.feature]!.scoredAt == nil,
                    early.publishedAt >= time.adding(milliseconds: -self.configuration.lateness)
                {
                    self.attach(early.score, ref: early.ref, at: early.publishedAt, to: owner)
                } else {
                    self.acknowledge(early.ref)
                }
            }
            self.evaluate(owner.composite)
        } else if self.releaseCandidate(key) {
            // Completed before any composite claimed it: no composite can claim it any more.
            self.acknowledge(ref)
        } else {
            self.acknowledge(ref)
        }
    }

    private mutating func taskExpired(_ key: OccurrenceKey, ref: HeldRef, at time: Timestamp) {
        let owner = self.componentOwners[key]
        let compositeKey = owner?.composite ?? key
        if owner == nil, self.releaseCandidate(key) {
            self.acknowledge(ref)
            return
        }
        // Only the earliest expiry decides; later ones repeat what is already known.
        guard let composite = self.composites[compositeKey], composite.phase == .collecting, composite.expiry == nil
        else {
            self.acknowledge(ref)
            return
        }
        self.held.insert(ref)
        self.composites[compositeKey]!.held.append(ref)
        self.composites[compositeKey]!.expiry = PendingComposite.Expiry(
            at: time,
            feature: owner?.feature,
            occurrence: key.occurrence
        )
        self.evaluate(compositeKey)
    }

    // MARK: - Experiments topic

    private mutating func scoreGenerated(_ score: ScoreGenerated, key: ResultKey, ref: HeldRef, at time: Timestamp) {
        if let task = self.links[key] {
            guard let owner = self.componentOwners[task], let composite = self.composites[owner.composite],
                composite.phase == .collecting, let component = composite.components[owner.feature],
                component.scoredAt == nil, let completedAt = component.completedAt,
                time >= completedAt.adding(milliseconds: -self.configuration.lateness)
            else {
                self.acknowledge(ref)
                return
            }
            self.held.insert(ref)
            self.attach(score.score, ref: ref, at: time, to: owner)
            self.evaluate(owner.composite)
            return
        }
        self.held.insert(ref)
        self.unlinked[key, default: []].append(UnlinkedScore(ref: ref, publishedAt: time, score: score.score))
        self.schedule(
            .releaseUnlinkedScore(key, ref),
            stream: key.stream,
            kind: .tasks,
            at: time.adding(milliseconds: self.configuration.lateness).adding(milliseconds: 1)
        )
    }

    private mutating func attach(_ score: NumericValue?, ref: HeldRef, at time: Timestamp, to owner: ComponentOwner) {
        self.composites[owner.composite]!.components[owner.feature]!.score = .some(score)
        self.composites[owner.composite]!.components[owner.feature]!.scoredAt = time
        self.composites[owner.composite]!.held.append(ref)
    }
}
