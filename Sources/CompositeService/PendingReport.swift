public import CompositeCore

/// Pending composites as JSON, for `/pending` and `composite-service pending`.
public enum PendingReport {
    public static func json(_ pending: [PendingCompositeSummary]) -> String {
        JSONWriter.string(
            .array(
                pending.map { composite in
                    .object(
                        JSONObject([
                            (key: "tenant", value: .string(composite.tenant)),
                            (key: "occurrenceId", value: composite.occurrence.json),
                            (key: "featureId", value: .string(composite.featureId)),
                            (key: "patientId", value: .string(composite.patientId)),
                            (key: "since", value: .string(composite.createdAt.description)),
                            (key: "waitingFor", value: .array(composite.waitingFor.map(JSONValue.string))),
                        ])
                    )
                }
            )
        )
    }
}
