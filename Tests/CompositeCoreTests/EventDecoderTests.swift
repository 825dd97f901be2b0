import CompositeCore
import Testing

@Suite struct EventDecoderTests {
    let tasks = TenantTopic("krane/tasks/orikami-events")!
    let experiments = TenantTopic("persistent://krane/experiments/orikami-events")!

    func decode(_ json: String, on topic: TenantTopic) -> Result<KraneEvent, DeadLetterReason> {
        EventDecoder.decode(Array(json.utf8), on: topic)
    }

    @Test func theSpecsFutureTaskCreatedDecodesWithExtraFieldsIgnored() throws {
        let event = try self.decode(
            #"{"name":"FutureTaskCreated","version":"v2","tenant":"orikami","extra":1,"data":{"experimentType":"composite","featureId":"IMWGFrailty","resultId":null,"patientId":"6527a81258139c1e1494c4bc","projectId":null,"scheduleTemplateId":null,"scheduleType":"oneoff","firstOccurrenceAt":"2023-10-13T08:51:55.206Z","occurrenceId":1,"startAt":"2023-10-13T08:51:55.206Z","endAt":"2023-10-13T08:51:55.206Z"}}"#,
            on: self.tasks
        ).get()
        #expect(
            event
                == .taskCreated(
                    TaskCreated(
                        occurrence: OccurrenceID("1"),
                        experimentType: "composite",
                        featureId: "IMWGFrailty",
                        patientId: "6527a81258139c1e1494c4bc",
                        projectId: nil,
                        startAt: Timestamp(iso8601: "2023-10-13T08:51:55.206Z")
                    )
                )
        )
    }

    @Test func scoresMayBeNullOrDecimal() throws {
        let null = try self.decode(
            #"{"name":"QuestionnaireScoreGenerated","version":"v2","tenant":"orikami","data":{"resultId":"r","score":null,"interpretation":null}}"#,
            on: self.experiments
        ).get()
        #expect(null == .scoreGenerated(ScoreGenerated(resultId: "r", score: nil)))
        let decimal = try self.decode(
            #"{"name":"GaitScoreGenerated","version":"v2","tenant":"orikami","data":{"resultId":"r","score":4.5}}"#,
            on: self.experiments
        ).get()
        #expect(decimal == .scoreGenerated(ScoreGenerated(resultId: "r", score: .decimal(4.5))))
    }

    @Test func eventsOnTheOtherTopicAreUnrelated() throws {
        let event = try self.decode(
            #"{"name":"TaskCompleted","version":"v2","tenant":"orikami","data":{"occurrenceId":2,"resultId":"r"}}"#,
            on: self.experiments
        ).get()
        #expect(event == .unrelated(name: "TaskCompleted"))
    }

    @Test(arguments: [
        ("{not json", "not JSON: expected a string key at byte 1"),
        ("[1,2]", "not a JSON object"),
        (#"{"version":"v2","tenant":"orikami","data":{}}"#, "name is missing"),
        (#"{"name":"TaskCompleted","version":"v1","tenant":"orikami","data":{}}"#, #"version is "v1", expected "v2""#),
        (#"{"name":"TaskCompleted","version":"v2","tenant":"orikami","data":[]}"#, "data is not an object"),
        (
            #"{"name":"TaskCompleted","version":"v2","tenant":"orikami","data":{"resultId":"r"}}"#,
            "data.occurrenceId is missing"
        ),
        (
            #"{"name":"TaskCompleted","version":"v2","tenant":"orikami","data":{"occurrenceId":1.5,"resultId":"r"}}"#,
            "data.occurrenceId is a non-integer number, expected an integer or a string"
        ),
        (
            #"{"name":"TaskCompleted","version":"v2","tenant":"orikami","data":{"occurrenceId":1,"resultId":7}}"#,
            "data.resultId is a number, expected a string"
        ),
        (
            #"{"name":"FutureTaskCreated","version":"v2","tenant":"orikami","data":{"experimentType":"composite","featureId":"X","patientId":"p","occurrenceId":1,"startAt":"yesterday"}}"#,
            #"data.startAt "yesterday" is not an ISO 8601 timestamp"#
        ),
        (
            #"{"name":"FutureTaskCreated","version":"v2","tenant":"orikami","data":{"experimentType":"questionnaire","featureId":"X","occurrenceId":1}}"#,
            "data.patientId is missing"
        ),
        (
            #"{"name":"TaskCompleted","version":"v2","tenant":"someone-else","data":{}}"#,
            #"tenant "someone-else" does not match the topic's tenant "orikami""#
        ),
    ])
    func malformedTaskMessagesHaveAPreciseReason(json: String, reason: String) {
        #expect(self.decode(json, on: self.tasks) == .failure(DeadLetterReason(reason)))
    }

    /// Issue 13, defect 8: a reason quotes at most a short prefix of what the sender wrote.
    @Test func reasonsQuoteOnlyAShortPrefixOfSenderText() throws {
        let huge = String(repeating: "v", count: 1_000_000)
        let version = self.decode(
            #"{"name":"TaskCompleted","version":"\#(huge)","tenant":"orikami","data":{}}"#,
            on: self.tasks
        )
        let expected = "version is \"" + String(repeating: "v", count: 64) + "… (1000000 bytes)\", expected \"v2\""
        #expect(version == .failure(DeadLetterReason(expected)))
        // Multi-byte characters are never cut in half.
        let tenant = String(repeating: "é", count: 40)
        guard
            case .failure(let reason) = self.decode(
                #"{"name":"TaskCompleted","version":"v2","tenant":"\#(tenant)","data":{}}"#,
                on: self.tasks
            )
        else {
            Issue.record("a foreign tenant must be refused")
            return
        }
        #expect(reason.message.hasPrefix("tenant \"" + String(repeating: "é", count: 32) + "… (80 bytes)\""))
        // And no reason is longer than the bound, whatever it is built from.
        #expect(DeadLetterReason(huge).message.utf8.count <= DeadLetterReason.limit + 20)
    }

    @Test func aScoreThatIsNotANumberIsRejected() {
        let result = self.decode(
            #"{"name":"QuestionnaireScoreGenerated","version":"v2","tenant":"orikami","data":{"resultId":"r","score":"5"}}"#,
            on: self.experiments
        )
        #expect(result == .failure(DeadLetterReason("data.score is a string, expected a number or null")))
    }

    @Test func aDuplicateKeyAtAnyDepthIsADeadLetterNamingIt() {
        let score = self.decode(
            #"{"name":"QuestionnaireScoreGenerated","version":"v2","tenant":"orikami","data":{"resultId":"r","score":5,"score":1}}"#,
            on: self.experiments
        )
        #expect(score == .failure(DeadLetterReason(#"duplicate key "score" at byte 105"#)))
        let envelope = self.decode(
            #"{"name":"TaskCompleted","version":"v2","tenant":"orikami","tenant":"other","data":{"occurrenceId":1,"resultId":"r"}}"#,
            on: self.tasks
        )
        #expect(envelope == .failure(DeadLetterReason(#"duplicate key "tenant" at byte 58"#)))
        let ignored = self.decode(
            #"{"name":"TaskCompleted","version":"v2","tenant":"orikami","data":{"occurrenceId":1,"resultId":"r","extra":{"x":1,"x":2}}}"#,
            on: self.tasks
        )
        #expect(ignored == .failure(DeadLetterReason(#"duplicate key "x" at byte 113"#)))
    }

    @Test func anOutOfRangeNumberInAFieldNobodyReadsIsIgnored() throws {
        let event = try self.decode(
            #"{"name":"TaskCompleted","version":"v2","tenant":"orikami","x":1e400,"data":{"occurrenceId":2,"resultId":"r","y":[-1e999]}}"#,
            on: self.tasks
        ).get()
        #expect(event == .taskCompleted(occurrence: OccurrenceID("2"), resultId: "r"))
        let score = try self.decode(
            #"{"name":"QuestionnaireScoreGenerated","version":"v2","tenant":"orikami","data":{"resultId":"r","score":4,"extra":1e400}}"#,
            on: self.experiments
        ).get()
        #expect(score == .scoreGenerated(ScoreGenerated(resultId: "r", score: .integer(4))))
    }

    @Test func anOutOfRangeNumberInAFieldTheServiceReadsIsADeadLetterSayingSo() {
        let score = self.decode(
            #"{"name":"QuestionnaireScoreGenerated","version":"v2","tenant":"orikami","data":{"resultId":"r","score":1e400}}"#,
            on: self.experiments
        )
        #expect(score == .failure(DeadLetterReason("data.score 1e400 is out of range")))
        let occurrence = self.decode(
            #"{"name":"TaskCompleted","version":"v2","tenant":"orikami","data":{"occurrenceId":-1e400,"resultId":"r"}}"#,
            on: self.tasks
        )
        #expect(occurrence == .failure(DeadLetterReason("data.occurrenceId -1e400 is out of range")))
        let digits = String(repeating: "1", count: 30)
        let wide = self.decode(
            #"{"name":"TaskCompleted","version":"v2","tenant":"orikami","data":{"occurrenceId":\#(digits),"resultId":"r"}}"#,
            on: self.tasks
        )
        #expect(wide == .failure(DeadLetterReason("data.occurrenceId 1.111111111111111e+29 is out of range")))
        let long = String(repeating: "9", count: 1_000) + "e999"
        let quoted = self.decode(
            #"{"name":"QuestionnaireScoreGenerated","version":"v2","tenant":"orikami","data":{"resultId":"r","score":\#(long)}}"#,
            on: self.experiments
        )
        #expect(
            quoted == .failure(DeadLetterReason("data.score \(String(repeating: "9", count: 32))… is out of range"))
        )
    }

    @Test func aThirtyDigitIntegerScoreDecodesAsTheNearestNumberForTheScorerToRefuse() throws {
        let digits = String(repeating: "1", count: 30)
        let score = try self.decode(
            #"{"name":"QuestionnaireScoreGenerated","version":"v2","tenant":"orikami","data":{"resultId":"r","score":\#(digits)}}"#,
            on: self.experiments
        ).get()
        #expect(score == .scoreGenerated(ScoreGenerated(resultId: "r", score: .decimal(1.1111111111111111e29))))
    }

    @Test func topicNamesParseInFullAndShortForm() throws {
        let short = try #require(TenantTopic("krane-staging/tasks/orikami-events"))
        let full = try #require(TenantTopic("persistent://krane-staging/tasks/orikami-events"))
        #expect(short == full)
        #expect(short.kraneTenant == "orikami" && short.brokerTenant == "krane-staging" && short.kind == .tasks)
        #expect(TenantTopic("krane/other/orikami-events") == nil)
        #expect(TenantTopic("krane/tasks/orikami") == nil)
        #expect(
            full.deadLetterTopic(subscription: "composite-service")
                == "persistent://krane-staging/tasks/orikami-events-composite-service-DLQ"
        )
    }
}
