import CompositeCore
import CompositeService

/// Reproducible streams of patients with several consecutive IMWG composites, 90 days apart, for the durable-holding
/// properties (contract `semantics.md`, guarantees 5 to 7). Each cycle's questionnaires are created shortly after its
/// composite, so an old composite that came back to life would claim the next cycle's questionnaires (it is older in
/// tasks-topic order); outcomes vary as in ``GeneratedStream``. ``copies`` are producer re-publications, with new
/// message ids, of earlier cycles' messages, published during a later cycle.
struct CycleStream {
    static let tenant = "orikami"
    static let tasks = "persistent://krane-staging/tasks/orikami-events"
    static let experiments = "persistent://krane-staging/experiments/orikami-events"
    static let cycleSeconds: Int64 = 90 * 86_400

    var messages: [FixtureMessage]
    /// `messages` plus the re-published copies, in publish order.
    var withCopies: [FixtureMessage]
    var patientFile: String

    init(seed: UInt64, patients: Int = 3, cycles: Int = 3) {
        var random = GeneratedStream.Random(state: seed)
        var events: [(seconds: Int64, topic: String, payload: String, cycle: Int, copyable: Bool)] = []
        var patientLines: [String] = []
        let start: Int64 = 1_697_187_115
        for patient in 0..<patients {
            let patientId = "patient-\(patient)"
            patientLines.append(
                #"{"tenant":"orikami","patientId":"\#(patientId)","birthDate":"19\#(40 + random.next(40))-03-0\#(1 + random.next(9))"}"#
            )
            for cycle in 0..<cycles {
                let base = (patient * cycles + cycle) * 10
                let t0 = start + Int64(cycle) * Self.cycleSeconds + Int64(patient * 60 + random.next(30))
                func add(_ at: Int64, _ topic: String, _ payload: String, copyable: Bool = true) {
                    events.append((at, topic, payload, cycle, copyable))
                }
                func task(_ at: Int64, _ name: String, _ data: String) {
                    add(at, Self.tasks, #"{"name":"\#(name)","version":"v2","tenant":"orikami","data":{\#(data)}}"#)
                }
                func created(_ at: Int64, _ occurrence: Int, _ feature: String, composite: Bool) {
                    task(
                        at,
                        "FutureTaskCreated",
                        #""experimentType":"\#(composite ? "composite" : "questionnaire")","featureId":"\#(feature)","patientId":"\#(patientId)","projectId":null,"occurrenceId":\#(occurrence),"startAt":"2024-01-15T08:00:00.000Z""#
                    )
                }
                created(t0, base, "IMWGFrailty", composite: true)
                let outcome = random.next(8)
                for (offset, feature) in ["Katz-ADL", "Lawton-IADL", "CCI"].enumerated() {
                    let occurrence = base + offset + 1
                    created(t0 + 60 + Int64(offset), occurrence, feature, composite: false)
                    if outcome == 1 && offset == 2 {
                        task(t0 + 86_400, "TaskNextOccurrenceExpired", #""occurrenceId":\#(occurrence)"#)
                        continue
                    }
                    if outcome == 2 && offset == 1 { continue }
                    let done = t0 + 3_600 + Int64(offset * 600 + random.next(300))
                    task(done, "TaskCompleted", #""occurrenceId":\#(occurrence),"resultId":"r\#(occurrence)""#)
                    let score = random.next([6, 8, 37][offset] + 1)
                    add(
                        done + Int64(random.next(200)) - 60,
                        Self.experiments,
                        #"{"name":"QuestionnaireScoreGenerated","version":"v2","tenant":"orikami","data":{"resultId":"r\#(occurrence)","score":\#(score),"interpretation":null}}"#
                    )
                }
                if outcome == 2 { task(t0 + 2 * 86_400, "TaskNextOccurrenceExpired", #""occurrenceId":\#(base)"#) }
                if random.next(3) == 0 {
                    add(t0 + 5, Self.tasks, #"{"name":"TaskStarted","version":"v2","tenant":"orikami","data":{}}"#)
                }
                if random.next(6) == 0 { add(t0 + 7, Self.experiments, "{malformed \(base)", copyable: false) }
            }
        }
        events.sort { ($0.seconds, $0.topic) < ($1.seconds, $1.topic) }
        // Re-publications: copies of a decided cycle's messages, a cycle later, before the next cycle's tasks.
        var copies = events
        for event in events where event.copyable && event.cycle + 1 < cycles && random.next(4) == 0 {
            let at = start + Int64(event.cycle + 1) * Self.cycleSeconds - 3_600 + Int64(random.next(3_000))
            copies.append((at, event.topic, event.payload, event.cycle + 1, false))
        }
        copies.sort { ($0.seconds, $0.topic) < ($1.seconds, $1.topic) }
        func fixture(_ list: [(seconds: Int64, topic: String, payload: String, cycle: Int, copyable: Bool)])
            -> [FixtureMessage]
        {
            list.enumerated().map { index, event in
                FixtureMessage(
                    topic: event.topic,
                    publishTime: Timestamp(millisecondsSinceEpoch: event.seconds * 1_000),
                    payload: Array(event.payload.utf8),
                    key: nil,
                    file: "cycles",
                    line: index + 1
                )
            }
        }
        self.messages = fixture(events)
        self.withCopies = fixture(copies)
        self.patientFile = patientLines.joined(separator: "\n") + "\n"
    }
}
