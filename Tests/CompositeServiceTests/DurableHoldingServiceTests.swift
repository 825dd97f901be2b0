import BrokerTestSupport
import CompositeBroker
import CompositeCore
import CompositeEmbeddedBroker
import CompositeService
import Foundation
import Testing

extension ProcessTests {
    /// Issue 12's story on the real binary: a patient's October composite is decided; the broker forgets the
    /// acknowledgement of its `FutureTaskCreated` and of one of its questionnaires, the platform re-publishes the
    /// `FutureTaskCreated` under a new id, the service restarts, and January's composite and questionnaires arrive.
    /// Exactly two true results must be published, January's from January's questionnaires.
    @Suite(.timeLimit(.minutes(4)))
    struct DurableHoldingServiceTests {
        let endToEnd = ServiceEndToEndTests()
        static let tasks = "persistent://krane-staging/tasks/orikami-events"
        static let experiments = "persistent://krane-staging/experiments/orikami-events"

        /// One cycle: a composite, its three questionnaires completed and scored, then an unrelated task that moves
        /// the tasks watermark past it.
        static func cycle(base: Int, at start: Int64, scores: [Int]) -> [FixtureMessage] {
            var events: [(Int64, String, String)] = []
            func task(_ at: Int64, _ name: String, _ data: String) {
                events.append(
                    (at, Self.tasks, #"{"name":"\#(name)","version":"v2","tenant":"orikami","data":{\#(data)}}"#)
                )
            }
            func created(_ at: Int64, _ occurrence: Int, _ feature: String, _ type: String) {
                task(
                    at,
                    "FutureTaskCreated",
                    #""experimentType":"\#(type)","featureId":"\#(feature)","patientId":"patient-1","projectId":null,"occurrenceId":\#(occurrence),"startAt":"2024-01-15T08:00:00.000Z""#
                )
            }
            created(start, base, "IMWGFrailty", "composite")
            for (offset, feature) in ["Katz-ADL", "Lawton-IADL", "CCI"].enumerated() {
                created(start + 60 + Int64(offset), base + offset + 1, feature, "questionnaire")
            }
            for (offset, score) in scores.enumerated() {
                let occurrence = base + offset + 1
                let done = start + 3_600 + Int64(offset * 60)
                task(done, "TaskCompleted", #""occurrenceId":\#(occurrence),"resultId":"r\#(occurrence)""#)
                events.append(
                    (
                        done + 5, Self.experiments,
                        #"{"name":"QuestionnaireScoreGenerated","version":"v2","tenant":"orikami","data":{"resultId":"r\#(occurrence)","score":\#(score),"interpretation":null}}"#
                    )
                )
            }
            task(start + 7_200, "TaskStarted", #""occurrenceId":\#(base + 9)"#)
            return events.enumerated().map { index, event in
                FixtureMessage(
                    topic: event.1,
                    publishTime: Timestamp(millisecondsSinceEpoch: event.0 * 1_000),
                    payload: Array(event.2.utf8),
                    key: nil,
                    file: "story",
                    line: index + 1
                )
            }
        }

        @Test func aForgottenAcknowledgementAndARepublicationNeverGiveTheOctoberCompositeJanuarysQuestionnaires()
            async throws
        {
            let directory = try temporaryDirectory("october-january")
            let patients = directory.appendingPathComponent("patients.jsonl")
            try #"{"tenant":"orikami","patientId":"patient-1","birthDate":"1941-03-02"}"#.appending("\n")
                .write(to: patients, atomically: true, encoding: .utf8)
            let october = Self.cycle(base: 100, at: 1_696_150_800, scores: [1, 2, 3])  // 2023-10-01
            let january = Self.cycle(base: 200, at: 1_704_099_600, scores: [6, 8, 30])  // 2024-01-01
            let expected = try await ReplayComparison.expected(october + january, patients: patients)
            #expect(expected.count == 2)

            let data = directory.appendingPathComponent("data")
            let broker = try EmbeddedBrokerConfiguration(dataDirectory: data.path).open()
            let log = directory.appendingPathComponent("service.log")
            var environment = self.endToEnd.environment(data: data, patients: patients)
            environment["KRANE_TENANTS"] = "orikami"
            try await ServiceRunner.publish(october, to: broker)
            var service = try ServiceProcess(environment: environment, log: log)
            try await TestTools.waitUntil("October decided and its messages acknowledged; log \(log.path)") {
                let results = try self.endToEnd.published(broker).count
                let held = try broker.unacknowledgedCount(
                    topics: [Self.tasks, Self.experiments],
                    subscription: "composite-service"
                )
                return results == 1 && held == 0
            }
            #expect(await service.terminate() == 0)

            // The broker forgets two acknowledgements; the platform re-publishes the FutureTaskCreated.
            let stored = try broker.messages(topic: Self.tasks, limit: 100)
            let compositeCreated = try #require(
                stored.first { String(decoding: $0.payload, as: UTF8.self).contains("IMWGFrailty") }
            )
            let questionnaire = try #require(
                stored.first { String(decoding: $0.payload, as: UTF8.self).contains("Katz-ADL") }
            )
            try broker.forgetAcknowledgements(
                of: [compositeCreated.id, questionnaire.id],
                subscription: "composite-service"
            )
            #expect(try broker.unacknowledgedCount(topics: [Self.tasks], subscription: "composite-service") == 2)
            var republished = october[0]
            republished.publishTime = Timestamp(millisecondsSinceEpoch: 1_704_000_000_000)
            try await ServiceRunner.publish([republished] + january, to: broker)

            service = try ServiceProcess(environment: environment, log: log)
            try await TestTools.waitUntil("January decided and nothing held; log \(log.path)") {
                let held = try broker.unacknowledgedCount(
                    topics: [Self.tasks, Self.experiments],
                    subscription: "composite-service"
                )
                return try ReplayComparison.distinct(self.endToEnd.published(broker)).count >= 2 && held == 0
            }
            #expect(await service.terminate() == 0)
            let published = try self.endToEnd.published(broker)
            #expect(
                ReplayComparison.distinct(published) == expected,
                "\(ReplayComparison.difference(ReplayComparison.distinct(published), expected))"
            )
            #expect(published.count == 2, "one result per composite, none for October again")
        }
    }
}
