extension CompositeEngine {
    /// Decides the composite if the facts and watermarks allow it, otherwise queues a re-evaluation for the
    /// watermark it waits on.
    ///
    /// Success needs every required component scored at `t_done` and no expiry at or before `t_done`: the tasks
    /// watermark must be past `t_done`. Failure at the earliest expiry `t_expired` needs every score published before
    /// `t_expired`: the experiments watermark must have reached it.
    mutating func evaluate(_ key: OccurrenceKey) {
        guard let composite = self.composites[key], composite.phase == .collecting else { return }
        let stream = self.streams[Int(key.stream)]
        if let expiry = composite.expiry {
            if let done = composite.doneTime, done < expiry.at {
                self.matched(key)
            } else if stream.experimentsWatermark >= expiry.at {
                self.publish(key, failure: self.failureReason(composite, expiry: expiry))
            } else {
                self.schedule(.evaluate(key), stream: key.stream, kind: .experiments, at: expiry.at)
            }
            return
        }
        guard let done = composite.doneTime else { return }
        if stream.tasksWatermark > done {
            self.matched(key)
        } else {
            self.schedule(.evaluate(key), stream: key.stream, kind: .tasks, at: done.adding(milliseconds: 1))
        }
    }

    /// Every component is in: fetch the patient's attributes if the scorer needs them, then score.
    private mutating func matched(_ key: OccurrenceKey) {
        let composite = self.composites[key]!
        guard let scorer = self.catalog.scorer(for: composite.task.featureId) else {
            // The scorer was unloaded after the composite claimed its tasks: wait for a scorer or the expiry.
            self.composites[key]!.requiredFeatures = nil
            return
        }
        guard !scorer.requiredAttributes.isEmpty else {
            self.score(key, record: nil)
            return
        }
        self.sequence += 1
        self.lookups[self.sequence] = key
        self.composites[key]!.phase = .awaitingPatient(lookup: self.sequence)
        self.output.actions.append(
            .lookUpPatient(
                PatientLookup(id: self.sequence, tenant: self.tenant(of: key), patientId: composite.task.patientId)
            )
        )
    }

    /// - Parameter refusal: why the directory refused this patient's lookup (its answer to this input, not an
    ///   outage); the attributes are then unknown for that reason.
    mutating func score(_ key: OccurrenceKey, record: PatientRecord?, refusal: String? = nil) {
        let composite = self.composites[key]!
        guard let scorer = self.catalog.scorer(for: composite.task.featureId) else {
            self.composites[key]!.phase = .collecting
            self.composites[key]!.requiredFeatures = nil
            return
        }
        var features: [String: NumericValue?] = [:]
        var used: [CompositeResult.ComponentUsed] = []
        for feature in scorer.requiredFeatures {
            guard let component = composite.components[feature], case .some(let score) = component.score else {
                continue
            }
            features[feature] = .some(score)
            used.append(
                CompositeResult.ComponentUsed(
                    featureId: feature,
                    occurrence: component.occurrence,
                    resultId: component.resultId,
                    score: score
                )
            )
        }
        var attributes: [String: NumericValue] = record?.attributes ?? [:]
        if let birthDate = record?.birthDate, let startAt = composite.task.startAt {
            attributes["age"] = .integer(birthDate.completedYears(on: startAt.civilDate))
        }
        let missing = scorer.requiredAttributes.filter { attributes[$0] == nil }
        let verdict: ScorerVerdict
        if !missing.isEmpty {
            let patient = composite.task.patientId
            let cause =
                refusal.map { "the patient directory refused the lookup of patient \(patient): \($0)" }
                ?? (record == nil
                    ? "patient \(patient) is not in the patient directory"
                    : (missing.contains("age") && record?.birthDate == nil
                        ? "patient \(patient) has no birth date in the patient directory"
                        : "patient \(patient) has no \(missing.joined(separator: ", ")) in the patient directory"))
            verdict = .rejected(reason: "The \(missing.joined(separator: ", ")) of the patient is unknown: \(cause).")
        } else {
            verdict = scorer.score(features: features, attributes: attributes)
        }
        var result = self.resultTemplate(for: composite)
        result.scorer = scorer.identity
        result.components = used
        result.attributes = scorer.requiredAttributes.compactMap { name in attributes[name].map { (name, $0) } }
        if scorer.requiredAttributes.contains("age"), let record, record.birthDate != nil,
            record.birthDatePrecision != .day
        {
            result.birthDatePrecision = record.birthDatePrecision
        }
        switch verdict {
        case .scored(let score, let interpretation):
            result.score = score
            result.interpretation = interpretation
        case .rejected(let reason):
            result.error = reason
        }
        self.publish(key, result: result)
    }

    mutating func publish(_ key: OccurrenceKey, failure reason: String) {
        let composite = self.composites[key]!
        var result = self.resultTemplate(for: composite)
        result.scorer = self.catalog.scorer(for: composite.task.featureId)?.identity
        result.error = reason
        // The claimed tasks are listed even on failure: after a crash, a reader of this result can tell which tasks
        // it settled. Only facts published before the expiry are shown, so the bytes do not depend on timing.
        if let expiry = composite.expiry {
            for feature in composite.requiredFeatures ?? [] {
                guard let component = composite.components[feature] else { continue }
                let completed = component.completedAt.map { $0 < expiry.at } ?? false
                let scored = completed && (component.scoredAt.map { $0 < expiry.at } ?? false)
                result.components.append(
                    CompositeResult.ComponentUsed(
                        featureId: feature,
                        occurrence: component.occurrence,
                        resultId: completed ? component.resultId : nil,
                        score: scored ? (component.score ?? nil) : nil
                    )
                )
            }
        }
        self.publish(key, result: result)
    }

    private mutating func publish(_ key: OccurrenceKey, result: CompositeResult) {
        self.sequence += 1
        let id = PublicationID(rawValue: self.sequence)
        self.composites[key]!.phase = .publishing(id)
        self.publications[id] = InFlightPublication(refs: self.composites[key]!.held, composite: key)
        if result.error == nil { self.counters.results += 1 } else { self.counters.errorResults += 1 }
        self.output.actions.append(
            .publish(
                Publication(
                    id: id,
                    topic: self.streams[Int(key.stream)].topic.sibling(.experiments).fullName,
                    payload: JSONWriter.encode(result.json),
                    key: result.patientId,
                    kind: .result(featureId: result.featureId, isError: result.error != nil),
                    summary: ResultSummary(
                        occurrence: result.occurrence,
                        score: result.score,
                        interpretation: result.interpretation,
                        error: result.error
                    )
                )
            )
        )
    }

    private func resultTemplate(for composite: PendingComposite) -> CompositeResult {
        let tenant = self.tenant(of: composite.key)
        return CompositeResult(
            tenant: tenant,
            resultId: ResultIdentifier.make(tenant: tenant, occurrence: composite.key.occurrence),
            occurrence: composite.key.occurrence,
            patientId: composite.task.patientId,
            projectId: composite.task.projectId,
            featureId: composite.task.featureId,
            score: nil,
            interpretation: nil,
            error: nil,
            scorer: nil,
            components: [],
            attributes: []
        )
    }

    /// The error sentence of an expired composite, from the facts published before the expiry only, so that it
    /// does not depend on how far the topics had been read when it was decided.
    private func failureReason(_ composite: PendingComposite, expiry: PendingComposite.Expiry) -> String {
        let cause: String
        if let feature = expiry.feature {
            cause = "Component \(feature) (occurrence \(expiry.occurrence)) expired at \(expiry.at)"
        } else {
            cause = "The composite expired at \(expiry.at)"
        }
        guard let required = composite.requiredFeatures else {
            return "\(cause) with no scorer loaded for featureId \(composite.task.featureId)."
        }
        var missing: [String] = []
        for feature in required {
            guard let component = composite.components[feature] else {
                missing.append("\(feature) (no task)")
                continue
            }
            guard let completedAt = component.completedAt, completedAt < expiry.at else {
                missing.append("\(feature) (task \(component.occurrence) not completed)")
                continue
            }
            guard let scoredAt = component.scoredAt, scoredAt < expiry.at else {
                missing.append("\(feature) (task \(component.occurrence) completed, no score)")
                continue
            }
        }
        if missing.isEmpty {
            return "\(cause) before its components were complete."
        }
        return "\(cause) before its components were complete; missing: \(missing.joined(separator: ", "))."
    }
}
