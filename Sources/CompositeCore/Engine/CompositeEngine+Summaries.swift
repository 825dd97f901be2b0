/// What each pending composite waits for, for `/pending` and the `pending` command.
extension CompositeEngine {
    func summary(_ composite: PendingComposite) -> PendingCompositeSummary {
        var waiting: [String] = []
        switch composite.phase {
        case .awaitingPatient: waiting.append("patient attributes")
        case .publishing: waiting.append("publication of its result")
        case .collecting:
            if let required = composite.requiredFeatures {
                for feature in required {
                    guard let component = composite.components[feature] else {
                        waiting.append("\(feature): no task claimed")
                        continue
                    }
                    if component.completedAt == nil {
                        waiting.append("\(feature): task \(component.occurrence) not completed")
                    } else if component.scoredAt == nil {
                        waiting.append("\(feature): score for result \(component.resultId ?? "?")")
                    }
                }
            } else {
                waiting.append("a scorer for \(composite.task.featureId)")
            }
            if waiting.isEmpty { waiting.append(composite.expiry == nil ? "tasks watermark" : "experiments watermark") }
        }
        return PendingCompositeSummary(
            tenant: self.tenant(of: composite.key),
            occurrence: composite.key.occurrence,
            featureId: composite.task.featureId,
            patientId: composite.task.patientId,
            createdAt: composite.createdAt,
            waitingFor: waiting
        )
    }
}
