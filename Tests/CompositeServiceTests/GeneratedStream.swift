import CompositeCore
import CompositeService

/// A reproducible stream of IMWG composites for service tests: successes, expired composites, expired components,
/// out-of-range scores, scores before their completion, unrelated traffic and malformed messages, over two tenants,
/// followed by one message per topic far in the future that moves every watermark past the stream (an end of input
/// that does not depend on the wall clock).
enum GeneratedStream {
    static let brokerTenant = "krane-staging"
    static let tenants = ["orikami", "radboud"]

    /// Draws from the project's one seeded generator.
    struct Random {
        var generator: SplitMix64

        init(state: UInt64) {
            self.generator = SplitMix64(seed: state)
        }

        mutating func next(_ bound: Int) -> Int {
            Int(self.generator.next() % UInt64(bound))
        }
    }

    /// An unrelated message that, published far in the future, moves its topic's watermark past the whole stream.
    static func endOfStream(tenant: String) -> [UInt8] {
        Array(#"{"name":"EndOfStream","version":"v2","tenant":"\#(tenant)","data":{}}"#.utf8)
    }

    static func make(patients: Int, seed: UInt64) -> (messages: [FixtureMessage], patientFile: String) {
        var random = Random(state: seed)
        var events: [(seconds: Int64, topic: String, payload: String)] = []
        var patientLines: [String] = []
        let start: Int64 = 1_697_187_115
        for patient in 0..<patients {
            let tenant = self.tenants[patient % self.tenants.count]
            let tasks = "persistent://\(self.brokerTenant)/tasks/\(tenant)-events"
            let experiments = "persistent://\(self.brokerTenant)/experiments/\(tenant)-events"
            let patientId = "patient-\(patient)"
            patientLines.append(
                #"{"tenant":"\#(tenant)","patientId":"\#(patientId)","birthDate":"\#(1930 + random.next(40))-0\#(1 + random.next(9))-1\#(random.next(9))"}"#
            )
            let base = patient * 10
            let t0 = start + Int64(patient * 7)
            func task(_ at: Int64, _ name: String, _ data: String) {
                events.append(
                    (at, tasks, #"{"name":"\#(name)","version":"v2","tenant":"\#(tenant)","data":{\#(data)}}"#)
                )
            }
            func created(_ at: Int64, _ occurrence: Int, _ feature: String, composite: Bool) {
                task(
                    at,
                    "FutureTaskCreated",
                    #""experimentType":"\#(composite ? "composite" : "questionnaire")","featureId":"\#(feature)","patientId":"\#(patientId)","projectId":null,"occurrenceId":\#(occurrence),"startAt":"2023-10-13T08:51:55.206Z""#
                )
            }
            created(t0, base, "IMWGFrailty", composite: true)
            let outcome = random.next(10)
            for (offset, feature) in ["Katz-ADL", "Lawton-IADL", "CCI"].enumerated() {
                let occurrence = base + offset + 1
                created(t0 + 1, occurrence, feature, composite: false)
                if outcome == 1 && offset == 2 {
                    task(t0 + 3_000, "TaskNextOccurrenceExpired", #""occurrenceId":\#(occurrence)"#)
                    continue
                }
                if outcome == 2 && offset == 1 { continue }
                let done = t0 + 600 + Int64(offset * 300 + random.next(200))
                task(done, "TaskCompleted", #""occurrenceId":\#(occurrence),"resultId":"\#(tenant)-r\#(occurrence)""#)
                let maximum = [6, 8, 37][offset]
                let score = outcome == 3 && offset == 0 ? 7 : random.next(maximum + 1)
                let scoredAt = done + Int64(random.next(400)) - 120
                events.append(
                    (
                        scoredAt, experiments,
                        #"{"name":"QuestionnaireScoreGenerated","version":"v2","tenant":"\#(tenant)","data":{"resultId":"\#(tenant)-r\#(occurrence)","score":\#(score),"interpretation":null}}"#
                    )
                )
            }
            if outcome == 2 { task(t0 + 5_000, "TaskNextOccurrenceExpired", #""occurrenceId":\#(base)"#) }
            if random.next(5) == 0 { task(t0 + 2, "TaskStarted", #""occurrenceId":\#(base + 7)"#) }
            if random.next(20) == 0 { events.append((t0 + 3, experiments, "{malformed \(patient)")) }
        }
        events.sort { ($0.seconds, $0.topic) < ($1.seconds, $1.topic) }
        let far = Int64(4_102_444_800)  // 2100-01-01
        for tenant in self.tenants {
            for kind in ["tasks", "experiments"] {
                events.append(
                    (
                        far, "persistent://\(self.brokerTenant)/\(kind)/\(tenant)-events",
                        String(decoding: Self.endOfStream(tenant: tenant), as: UTF8.self)
                    )
                )
            }
        }
        let messages = events.enumerated().map { index, event in
            FixtureMessage(
                topic: event.topic,
                publishTime: Timestamp(millisecondsSinceEpoch: event.seconds * 1_000),
                payload: Array(event.payload.utf8),
                key: nil,
                file: "generated",
                line: index + 1
            )
        }
        return (messages, patientLines.joined(separator: "\n") + "\n")
    }
}
