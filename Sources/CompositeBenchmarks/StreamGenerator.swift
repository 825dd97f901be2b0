import CompositeCore

/// A stream of IMWG composites: per patient a composite, three component tasks, their completions and scores
/// (ten messages), with patients overlapping in windows of 10,000 so many composites are pending at once.
enum StreamGenerator {
    static func make(patients: Int) -> [Delivery] {
        let tasks = "persistent://krane-staging/tasks/orikami-events"
        let experiments = "persistent://krane-staging/experiments/orikami-events"
        var deliveries: [Delivery] = []
        deliveries.reserveCapacity(patients * 10)
        var tasksEntry: UInt64 = 0
        var experimentsEntry: UInt64 = 0
        var clock: Int64 = 1_697_187_115_206
        func add(_ topic: String, _ json: String) {
            clock += 1
            let id: MessageID
            if topic == tasks {
                tasksEntry += 1
                id = MessageID(entryId: tasksEntry)
            } else {
                experimentsEntry += 1
                id = MessageID(entryId: experimentsEntry)
            }
            deliveries.append(
                Delivery(
                    topic: topic,
                    id: id,
                    publishTime: Timestamp(millisecondsSinceEpoch: clock),
                    payload: Array(json.utf8)
                )
            )
        }
        let features = ["Katz-ADL", "Lawton-IADL", "CCI"]
        let window = 10_000
        for windowStart in stride(from: 0, to: patients, by: window) {
            let range = windowStart..<min(patients, windowStart + window)
            for patient in range {
                let base = patient * 4
                add(
                    tasks,
                    #"{"name":"FutureTaskCreated","version":"v2","tenant":"orikami","data":{"experimentType":"composite","featureId":"IMWGFrailty","resultId":null,"patientId":"patient-\#(patient)","projectId":null,"occurrenceId":\#(base),"startAt":"2023-10-13T08:51:55.206Z","endAt":"2023-10-13T08:51:55.206Z"}}"#
                )
                for (offset, feature) in features.enumerated() {
                    add(
                        tasks,
                        #"{"name":"FutureTaskCreated","version":"v2","tenant":"orikami","data":{"experimentType":"questionnaire","featureId":"\#(feature)","resultId":null,"patientId":"patient-\#(patient)","projectId":null,"occurrenceId":\#(base + offset + 1),"startAt":"2023-10-13T08:51:55.206Z","endAt":"2023-10-13T08:51:55.206Z"}}"#
                    )
                }
            }
            for patient in range {
                for offset in 1...3 {
                    let occurrence = patient * 4 + offset
                    add(
                        tasks,
                        #"{"name":"TaskCompleted","version":"v2","tenant":"orikami","data":{"occurrenceId":\#(occurrence),"resultId":"r\#(occurrence)"}}"#
                    )
                    add(
                        experiments,
                        #"{"name":"QuestionnaireScoreGenerated","version":"v2","tenant":"orikami","data":{"resultId":"r\#(occurrence)","score":\#(occurrence % 5),"interpretation":null}}"#
                    )
                }
            }
        }
        return deliveries
    }
}
