import CompositeCore

/// Scenario generation draws from the project's one seeded generator.
typealias ScenarioRandom = SplitMix64

extension SplitMix64 {
    init(state: UInt64) {
        self.init(seed: state)
    }

    mutating func chance(_ probability: Double) -> Bool {
        Double.random(in: 0..<1, using: &self) < probability
    }
}

/// A message of a generated scenario, before it is given a broker id.
struct ScenarioMessage {
    var topic: String
    var seconds: Int64
    var payload: String
}

/// Random multi-tenant, multi-patient streams exercising every matching rule: composites of two scorers, candidates
/// before and after their composite, scores before and after their completion (some beyond the lateness), null
/// scores, expiries of composites and components, unrelated traffic, malformed messages and re-published copies.
enum ScenarioGenerator {
    static let scorers: [any CompositeScorer] = [
        SumScorer(featureId: "Sum", features: ["A", "B"], attributes: ["age"]),
        SumScorer(featureId: "Pair", features: ["B", "C"], attributes: []),
    ]
    static let patients = ["p0", "p1", "p2", "p3"]
    /// `p3` is not in the directory.
    static func record(for patient: String) -> PatientRecord? {
        patient == "p3" ? nil : PatientRecord(birthDate: CivilDate(year: 1940 + patient.count * 7, month: 6, day: 15))
    }

    /// Per topic, messages in publish-time order.
    static func make(seed: UInt64) -> [String: [ScenarioMessage]] {
        var random = ScenarioRandom(state: seed)
        var messages: [ScenarioMessage] = []
        let tenants = Array(["acme", "beta"].prefix(random.chance(0.5) ? 1 : 2))
        for tenant in tenants {
            let tasks = "persistent://krane/tasks/\(tenant)-events"
            let experiments = "persistent://krane/experiments/\(tenant)-events"
            var occurrence = 0
            func task(_ seconds: Int64, _ name: String, _ data: String) {
                messages.append(
                    ScenarioMessage(
                        topic: tasks,
                        seconds: seconds,
                        payload: #"{"name":"\#(name)","version":"v2","tenant":"\#(tenant)","data":{\#(data)}}"#
                    )
                )
            }
            func created(
                _ seconds: Int64,
                _ id: Int,
                _ feature: String,
                _ patient: String,
                _ project: String,
                composite: Bool
            ) {
                task(
                    seconds,
                    "FutureTaskCreated",
                    #""experimentType":"\#(composite ? "composite" : "questionnaire")","featureId":"\#(feature)","patientId":"\#(patient)","projectId":\#(project),"occurrenceId":\#(id),"startAt":"2024-01-01T00:00:00.000Z""#
                )
            }
            for _ in 0..<Int.random(in: 1...8, using: &random) {
                let patient = self.patients.randomElement(using: &random)!
                let project = random.chance(0.7) ? "null" : #""proj""#
                let featureId = random.chance(0.6) ? "Sum" : (random.chance(0.8) ? "Pair" : "NoScorer")
                let features = featureId == "Sum" ? ["A", "B"] : ["B", "C"]
                let start = Int64.random(in: 0...3_000, using: &random)
                occurrence += 1
                let compositeId = occurrence
                created(start, compositeId, featureId, patient, project, composite: true)
                if random.chance(0.1) { created(start, compositeId, featureId, patient, project, composite: true) }
                if random.chance(0.5) {
                    task(
                        start + Int64.random(in: 200...4_000, using: &random),
                        "TaskNextOccurrenceExpired",
                        #""occurrenceId":\#(compositeId)"#
                    )
                }
                for feature in features where random.chance(0.9) {
                    occurrence += 1
                    let id = occurrence
                    let scheduled = start + Int64.random(in: -60...60, using: &random)
                    created(scheduled, id, feature, patient, project, composite: false)
                    if random.chance(0.1) {
                        task(
                            scheduled + Int64.random(in: 10...900, using: &random),
                            "TaskNextOccurrenceExpired",
                            #""occurrenceId":\#(id)"#
                        )
                        continue
                    }
                    guard random.chance(0.85) else { continue }
                    let done = scheduled + Int64.random(in: 10...1_500, using: &random)
                    let resultId = "\(tenant)-r\(id)"
                    task(done, "TaskCompleted", #""occurrenceId":\#(id),"resultId":"\#(resultId)""#)
                    if random.chance(0.1) {
                        task(done + 1, "TaskCompleted", #""occurrenceId":\#(id),"resultId":"\#(resultId)""#)
                    }
                    guard random.chance(0.9) else { continue }
                    let score = random.chance(0.05) ? "null" : String(Int.random(in: 0...9, using: &random))
                    let scoredAt = done + Int64.random(in: -450...600, using: &random)
                    for copy in 0..<(random.chance(0.1) ? 2 : 1) {
                        messages.append(
                            ScenarioMessage(
                                topic: experiments,
                                seconds: scoredAt + Int64(copy),
                                payload:
                                    #"{"name":"QuestionnaireScoreGenerated","version":"v2","tenant":"\#(tenant)","data":{"resultId":"\#(resultId)","score":\#(score)}}"#
                            )
                        )
                    }
                }
            }
            for _ in 0..<Int.random(in: 0...4, using: &random) {
                occurrence += 1
                let seconds = Int64.random(in: 0...5_000, using: &random)
                switch Int.random(in: 0..<4, using: &random) {
                case 0: created(seconds, occurrence, "Unrelated", "p0", "null", composite: false)
                case 1: task(seconds, "TaskStarted", #""occurrenceId":\#(occurrence)"#)
                case 2: messages.append(ScenarioMessage(topic: experiments, seconds: seconds, payload: "{broken"))
                default:
                    messages.append(
                        ScenarioMessage(
                            topic: experiments,
                            seconds: seconds,
                            payload:
                                #"{"name":"OtherScoreGenerated","version":"v2","tenant":"\#(tenant)","data":{"resultId":"stray\#(occurrence)","score":1}}"#
                        )
                    )
                }
            }
        }
        var byTopic: [String: [ScenarioMessage]] = [:]
        for message in messages { byTopic[message.topic, default: []].append(message) }
        for topic in byTopic.keys { byTopic[topic]!.sort { $0.seconds < $1.seconds } }
        return byTopic
    }
}
