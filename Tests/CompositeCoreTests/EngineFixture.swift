import CompositeCore

/// A scorer for engine tests: the sum of its features plus, when it needs it, the age; interpretation "high" at 10+.
struct SumScorer: CompositeScorer {
    let featureId: String
    let requiredFeatures: [String]
    let requiredAttributes: [String]
    var identity: ScorerIdentity { ScorerIdentity(id: "sum", version: "1", contentHash: "sha256:test") }

    init(featureId: String = "Sum", features: [String] = ["A", "B"], attributes: [String] = []) {
        self.featureId = featureId
        self.requiredFeatures = features
        self.requiredAttributes = attributes
    }

    func score(features: [String: NumericValue?], attributes: [String: NumericValue]) -> ScorerVerdict {
        var total = 0
        for feature in self.requiredFeatures {
            guard case .some(.some(let value)) = features[feature], let integer = value.exactInteger else {
                return .rejected(reason: "Input \(feature) is missing or not an integer.")
            }
            total += integer
        }
        for attribute in self.requiredAttributes {
            guard let value = attributes[attribute]?.exactInteger else {
                return .rejected(reason: "Attribute \(attribute) is missing.")
            }
            total += value
        }
        return .scored(score: .integer(total), interpretation: total >= 10 ? "high" : "low")
    }
}

/// Builds deliveries for one tenant with increasing message ids.
struct EngineFixture {
    static let tasks = "persistent://krane/tasks/acme-events"
    static let experiments = "persistent://krane/experiments/acme-events"

    var nextEntry: UInt64 = 0

    static func time(_ seconds: Int64) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: 1_700_000_000_000 + seconds * 1_000)
    }

    mutating func delivery(_ topic: String, at seconds: Int64, _ json: String) -> Delivery {
        self.nextEntry += 1
        return Delivery(
            topic: topic,
            id: MessageID(entryId: self.nextEntry),
            publishTime: Self.time(seconds),
            payload: Array(json.utf8)
        )
    }

    mutating func created(
        _ occurrence: Int,
        feature: String,
        composite: Bool = false,
        patient: String = "p1",
        at seconds: Int64
    ) -> Delivery {
        let type = composite ? "composite" : "questionnaire"
        return self.delivery(
            Self.tasks,
            at: seconds,
            #"{"name":"FutureTaskCreated","version":"v2","tenant":"acme","data":{"experimentType":"\#(type)","featureId":"\#(feature)","resultId":null,"patientId":"\#(patient)","projectId":null,"occurrenceId":\#(occurrence),"startAt":"2024-03-01T10:00:00.000Z"}}"#
        )
    }

    mutating func completed(_ occurrence: Int, result: String, at seconds: Int64) -> Delivery {
        self.delivery(
            Self.tasks,
            at: seconds,
            #"{"name":"TaskCompleted","version":"v2","tenant":"acme","data":{"occurrenceId":\#(occurrence),"resultId":"\#(result)"}}"#
        )
    }

    mutating func expired(_ occurrence: Int, at seconds: Int64) -> Delivery {
        self.delivery(
            Self.tasks,
            at: seconds,
            #"{"name":"TaskNextOccurrenceExpired","version":"v2","tenant":"acme","data":{"occurrenceId":\#(occurrence)}}"#
        )
    }

    mutating func scored(_ result: String, score: String, at seconds: Int64) -> Delivery {
        self.delivery(
            Self.experiments,
            at: seconds,
            #"{"name":"QuestionnaireScoreGenerated","version":"v2","tenant":"acme","data":{"resultId":"\#(result)","score":\#(score),"interpretation":null}}"#
        )
    }
}

extension Delivery {
    var ref: MessageRef { MessageRef(topic: self.topic, id: self.id) }
}

extension [EngineAction] {
    var acknowledged: Set<MessageRef> {
        var refs: Set<MessageRef> = []
        for case .acknowledge(let batch) in self { refs.formUnion(batch) }
        return refs
    }

    var publications: [Publication] {
        self.compactMap { if case .publish(let publication) = $0 { publication } else { nil } }
    }

    var lookups: [PatientLookup] {
        self.compactMap { if case .lookUpPatient(let lookup) = $0 { lookup } else { nil } }
    }
}

extension CompositeEngine {
    /// Confirms a result and then the decision proof it leads to (stored as entry `proofEntry` of the state topic);
    /// returns the actions of both.
    mutating func confirmWithProof(_ result: Publication, proofEntry: UInt64 = 0) -> [EngineAction] {
        let afterResult = self.publicationConfirmed(result.id)
        guard let proof = afterResult.publications.first(where: { $0.kind == .proof }) else { return afterResult }
        return afterResult + self.publicationConfirmed(proof.id, messageID: MessageID(entryId: proofEntry))
    }
}

extension Publication {
    var json: JSONValue { (try? JSONParser.parse(self.payload)) ?? .null }
}
