import CompositeCore
import Testing

@Suite struct CompositeEngineTests {
    var fixture = EngineFixture()
    var engine = CompositeEngine(catalog: ScorerCatalog([SumScorer(attributes: ["age"])]))

    @Test mutating func happyPathPublishesThenAcknowledgesEverythingHeld() throws {
        var held: [Delivery] = []
        func feed(_ delivery: Delivery, _ engine: inout CompositeEngine) -> [EngineAction] {
            held.append(delivery)
            return engine.receive(delivery)
        }
        #expect(feed(self.fixture.created(1, feature: "Sum", composite: true, at: 0), &self.engine).isEmpty)
        #expect(feed(self.fixture.created(2, feature: "A", at: 1), &self.engine).isEmpty)
        #expect(feed(self.fixture.created(3, feature: "B", at: 2), &self.engine).isEmpty)
        #expect(feed(self.fixture.completed(2, result: "rA", at: 10), &self.engine).isEmpty)
        #expect(feed(self.fixture.scored("rA", score: "4", at: 11), &self.engine).isEmpty)
        #expect(feed(self.fixture.completed(3, result: "rB", at: 20), &self.engine).isEmpty)
        #expect(feed(self.fixture.scored("rB", score: "5", at: 21), &self.engine).isEmpty)
        // t_done = 21 s: the decision waits until the tasks topic is read past it.
        #expect(self.engine.statistics.pendingComposites == 1)
        let unrelated = self.fixture.delivery(
            EngineFixture.tasks,
            at: 22,
            #"{"name":"TaskStarted","version":"v2","tenant":"acme","data":{}}"#
        )
        let afterWatermark = self.engine.receive(unrelated)
        #expect(afterWatermark.lookups.count == 1)
        #expect(afterWatermark.acknowledged == [unrelated.ref])
        let lookup = try #require(afterWatermark.lookups.first)
        #expect(lookup.tenant == "acme" && lookup.patientId == "p1")

        let scored = self.engine.patientLookedUp(
            lookup,
            record: PatientRecord(birthDate: CivilDate(year: 1950, month: 3, day: 1))
        )
        let publication = try #require(scored.publications.first)
        #expect(scored.count == 1, "nothing is acknowledged before the broker confirms the publication")
        #expect(publication.topic == EngineFixture.experiments)
        let expected = try JSONParser.parse(
            #"{"name":"CompositeScoreGenerated","version":"v2","tenant":"acme","data":{"resultId":"\#(ResultIdentifier.make(tenant: "acme", occurrence: OccurrenceID("1")))","occurrenceId":1,"patientId":"p1","projectId":null,"featureId":"Sum","score":83,"interpretation":"high","error":null,"scorer":{"id":"sum","version":"1","contentHash":"sha256:test"},"components":[{"featureId":"A","occurrenceId":2,"resultId":"rA","score":4},{"featureId":"B","occurrenceId":3,"resultId":"rB","score":5}],"attributes":{"age":74}}}"#
        )
        #expect(publication.json == expected)

        // The result is durable: its decision proof goes to the tenant's state topic, and nothing is acknowledged
        // before the proof is durable too.
        let afterResult = self.engine.publicationConfirmed(publication.id)
        #expect(afterResult.acknowledged.isEmpty)
        let proof = try #require(afterResult.publications.first)
        #expect(afterResult.count == 1 && proof.kind == .proof)
        #expect(proof.topic == "persistent://krane/tasks/acme-events-composite-service-state")
        #expect(
            proof.json
                == (try JSONParser.parse(
                    #"{"kind":"decision-proof","version":1,"tenant":"acme","occurrence":1,"resultId":"\#(ResultIdentifier.make(tenant: "acme", occurrence: OccurrenceID("1")))","claimed":[2,3],"results":["rA","rB"],"decidedAt":\#(EngineFixture.time(22).millisecondsSinceEpoch)}"#
                ))
        )
        let confirmed = self.engine.publicationConfirmed(proof.id, messageID: MessageID(entryId: 0))
        #expect(confirmed.acknowledged == Set(held.map(\.ref)))
        #expect(self.engine.unacknowledgedMessages == [MessageRef(topic: proof.topic, id: MessageID(entryId: 0))])
        #expect(self.engine.statistics.proofsHeld == 1)
        #expect(self.engine.statistics.pendingComposites == 0)
    }

    @Test mutating func redeliveryOfAHeldMessageIsIgnoredNotAcknowledged() {
        let composite = self.fixture.created(1, feature: "Sum", composite: true, at: 0)
        #expect(self.engine.receive(composite).isEmpty)
        #expect(self.engine.receive(composite).isEmpty)
        #expect(self.engine.unacknowledgedMessages == [composite.ref])
    }

    @Test mutating func aRepeatedFactWithANewMessageIdIsAcknowledged() {
        let first = self.fixture.created(1, feature: "Sum", composite: true, at: 0)
        let copy = self.fixture.created(1, feature: "Sum", composite: true, at: 1)
        _ = self.engine.receive(first)
        #expect(self.engine.receive(copy).acknowledged == [copy.ref])
        #expect(self.engine.unacknowledgedMessages == [first.ref])
    }

    @Test mutating func unrelatedTasksAndNonCandidatesAreAcknowledgedPromptly() {
        let other = self.fixture.created(7, feature: "Unrelated-Questionnaire", at: 0)
        #expect(self.engine.receive(other).acknowledged == [other.ref])
        let completion = self.fixture.completed(99, result: "r99", at: 1)
        #expect(self.engine.receive(completion).acknowledged == [completion.ref])
        let expiry = self.fixture.expired(98, at: 2)
        #expect(self.engine.receive(expiry).acknowledged == [expiry.ref])
        #expect(self.engine.unacknowledgedMessages.isEmpty)
    }

    @Test mutating func aScorePublishedWithinTheLatenessBeforeItsCompletionBelongsToIt() throws {
        _ = self.engine.receive(self.fixture.created(1, feature: "Sum", composite: true, at: 0))
        _ = self.engine.receive(self.fixture.created(2, feature: "A", at: 1))
        _ = self.engine.receive(self.fixture.created(3, feature: "B", at: 2))
        // 200 s before its TaskCompleted: within the default 5 minutes.
        _ = self.engine.receive(self.fixture.scored("rA", score: "1", at: 100))
        _ = self.engine.receive(self.fixture.completed(2, result: "rA", at: 300))
        // 400 s before: unrelated, released once the tasks topic passes 100 + 300 s.
        let early = self.fixture.scored("rB", score: "2", at: 101)
        _ = self.engine.receive(early)
        let late = self.engine.receive(self.fixture.completed(3, result: "rB", at: 501))
        #expect(late.acknowledged == [early.ref])
        let rB = self.fixture.scored("rB", score: "3", at: 502)
        _ = self.engine.receive(rB)
        let decided = self.engine.endOfInput()
        let lookup = try #require(decided.lookups.first)
        let scored = self.engine.patientLookedUp(
            lookup,
            record: PatientRecord(birthDate: CivilDate(year: 2000, month: 1, day: 1))
        )
        #expect(scored.publications.first?.json["data"]?["score"] == .number(.integer(1 + 3 + 24)))
    }

    @Test mutating func anUnlinkedScoreIsReleasedWhenTheTasksWatermarkPassesItsLateness() {
        let stray = self.fixture.scored("nobody", score: "1", at: 0)
        #expect(self.engine.receive(stray).isEmpty)
        #expect(self.engine.statistics.messagesWaitingOnWatermark == 1)
        let atLateness = self.fixture.delivery(
            EngineFixture.tasks,
            at: 300,
            #"{"name":"Other","version":"v2","tenant":"acme","data":{}}"#
        )
        #expect(!self.engine.receive(atLateness).acknowledged.contains(stray.ref))
        let past = self.fixture.delivery(
            EngineFixture.tasks,
            at: 301,
            #"{"name":"Other","version":"v2","tenant":"acme","data":{}}"#
        )
        #expect(self.engine.receive(past).acknowledged.contains(stray.ref))
        #expect(self.engine.unacknowledgedMessages.isEmpty)
    }

    @Test mutating func compositeExpiryWaitsForTheExperimentsWatermarkAndNamesWhatIsMissing() throws {
        let composite = self.fixture.created(1, feature: "Sum", composite: true, at: 0)
        let taskA = self.fixture.created(2, feature: "A", at: 1)
        let doneA = self.fixture.completed(2, result: "rA", at: 5)
        let expiry = self.fixture.expired(1, at: 50)
        for delivery in [composite, taskA, doneA, expiry] { #expect(self.engine.receive(delivery).isEmpty) }
        // A score published before the expiry may still come on the experiments topic.
        let scoreA = self.fixture.scored("rA", score: "1", at: 49)
        #expect(self.engine.receive(scoreA).isEmpty)
        let decided = self.engine.receive(self.fixture.scored("unrelated", score: "1", at: 50))
        let publication = try #require(decided.publications.first)
        #expect(
            publication.json["data"]?["error"]
                == .string(
                    "The composite expired at \(EngineFixture.time(50)) before its components were complete; missing: B (no task)."
                )
        )
        #expect(publication.json["data"]?["score"] == .null)
        let confirmed = self.engine.confirmWithProof(publication)
        #expect(confirmed.acknowledged == Set([composite, taskA, doneA, expiry, scoreA].map(\.ref)))
    }

    @Test mutating func anExpiredComponentFailsTheComposite() throws {
        _ = self.engine.receive(self.fixture.created(1, feature: "Sum", composite: true, at: 0))
        _ = self.engine.receive(self.fixture.created(2, feature: "A", at: 1))
        _ = self.engine.receive(self.fixture.created(3, feature: "B", at: 2))
        _ = self.engine.receive(self.fixture.expired(3, at: 10))
        let publication = try #require(self.engine.endOfInput().publications.first)
        #expect(
            publication.json["data"]?["error"]
                == .string(
                    "Component B (occurrence 3) expired at \(EngineFixture.time(10)) before its components were complete; missing: A (task 2 not completed), B (task 3 not completed)."
                )
        )
    }

    @Test mutating func aCompletionAfterTheExpiryDoesNotCount() throws {
        _ = self.engine.receive(self.fixture.created(1, feature: "Sum", composite: true, at: 0))
        _ = self.engine.receive(self.fixture.created(2, feature: "A", at: 1))
        _ = self.engine.receive(self.fixture.created(3, feature: "B", at: 2))
        _ = self.engine.receive(self.fixture.completed(2, result: "rA", at: 3))
        _ = self.engine.receive(self.fixture.expired(1, at: 10))
        _ = self.engine.receive(self.fixture.completed(3, result: "rB", at: 11))
        _ = self.engine.receive(self.fixture.scored("rA", score: "1", at: 4))
        // The experiments topic reaching the expiry decides it, before this late score is even looked at.
        let publication = try #require(
            self.engine.receive(self.fixture.scored("rB", score: "1", at: 12)).publications.first
        )
        #expect(
            publication.json["data"]?["error"]?.stringValue?.hasSuffix("missing: B (task 3 not completed).") == true
        )
    }

    @Test mutating func anUnclaimedCandidateIsReleasedAfterTheClaimWindow() {
        let candidate = self.fixture.created(2, feature: "A", at: 0)
        #expect(self.engine.receive(candidate).isEmpty)
        let window = self.engine.configuration.claimWindow / 1_000
        let atWindow = self.fixture.delivery(
            EngineFixture.tasks,
            at: window,
            #"{"name":"Other","version":"v2","tenant":"acme","data":{}}"#
        )
        #expect(!self.engine.receive(atWindow).acknowledged.contains(candidate.ref))
        let past = self.fixture.delivery(
            EngineFixture.tasks,
            at: window + 1,
            #"{"name":"Other","version":"v2","tenant":"acme","data":{}}"#
        )
        #expect(self.engine.receive(past).acknowledged.contains(candidate.ref))
    }

    @Test mutating func aCandidateWaitingBeforeItsCompositeIsClaimedByIt() throws {
        let candidate = self.fixture.created(2, feature: "A", at: 0)
        _ = self.engine.receive(candidate)
        _ = self.engine.receive(self.fixture.created(1, feature: "Sum", composite: true, at: 1))
        #expect(self.engine.pendingComposites.first?.waitingFor == ["A: task 2 not completed", "B: no task claimed"])
        #expect(self.engine.statistics.messagesWaitingOnWatermark == 0)
        #expect(self.engine.statistics.messagesHeldByComposites == 2)
    }

    @Test mutating func aCandidateCompletedBeforeAnyCompositeIsReleasedWithItsCompletion() {
        let candidate = self.fixture.created(2, feature: "A", at: 0)
        _ = self.engine.receive(candidate)
        let completion = self.fixture.completed(2, result: "rA", at: 1)
        #expect(self.engine.receive(completion).acknowledged == [candidate.ref, completion.ref])
        // A composite created afterwards cannot claim it.
        _ = self.engine.receive(self.fixture.created(1, feature: "Sum", composite: true, at: 2))
        #expect(self.engine.pendingComposites.first?.waitingFor == ["A: no task claimed", "B: no task claimed"])
    }

    @Test mutating func theOldestCompositeClaimsFirstAndEachTaskOnlyOnce() {
        _ = self.engine.receive(self.fixture.created(1, feature: "Sum", composite: true, at: 0))
        _ = self.engine.receive(self.fixture.created(10, feature: "Sum", composite: true, at: 1))
        _ = self.engine.receive(self.fixture.created(2, feature: "A", at: 2))
        _ = self.engine.receive(self.fixture.created(3, feature: "A", at: 3))
        let waiting = self.engine.pendingComposites.map(\.waitingFor)
        #expect(
            waiting == [
                ["A: task 2 not completed", "B: no task claimed"], ["A: task 3 not completed", "B: no task claimed"],
            ]
        )
    }

    @Test mutating func otherPatientsAndProjectsDoNotMatch() {
        _ = self.engine.receive(self.fixture.created(1, feature: "Sum", composite: true, at: 0))
        let otherPatient = self.fixture.created(2, feature: "A", patient: "p2", at: 1)
        _ = self.engine.receive(otherPatient)
        #expect(self.engine.pendingComposites.first?.waitingFor.first == "A: no task claimed")
        #expect(self.engine.statistics.messagesWaitingOnWatermark == 1)
    }

    @Test mutating func malformedMessagesAreDeadLetteredAndAcknowledgedOnlyAfterConfirmation() throws {
        let broken = self.fixture.delivery(EngineFixture.experiments, at: 0, "{not json")
        let actions = self.engine.receive(broken)
        let publication = try #require(actions.publications.first)
        #expect(actions.acknowledged.isEmpty)
        #expect(publication.topic == "persistent://krane/experiments/acme-events-composite-service-DLQ")
        #expect(publication.payload == broken.payload)
        #expect(publication.properties["reason"]?.hasPrefix("not JSON") == true)
        #expect(self.engine.receive(broken).isEmpty, "a redelivery while the dead letter is in flight is ignored")
        #expect(self.engine.publicationConfirmed(publication.id).acknowledged == [broken.ref])
        #expect(
            self.engine.receive(broken) == [.acknowledge([broken.ref])],
            "a later redelivery is not dead-lettered again"
        )
    }

    @Test mutating func aTenantThatDoesNotMatchItsTopicIsDeadLettered() throws {
        let wrong = self.fixture.delivery(
            EngineFixture.tasks,
            at: 0,
            #"{"name":"TaskCompleted","version":"v2","tenant":"other","data":{"occurrenceId":1,"resultId":"r"}}"#
        )
        let publication = try #require(self.engine.receive(wrong).publications.first)
        #expect(publication.properties["reason"] == #"tenant "other" does not match the topic's tenant "acme""#)
    }

    @Test mutating func aScoreWithADuplicateKeyIsDeadLetteredNamingTheKeyAndNeverScored() throws {
        // "score":5,"score":1 is 5 to a first-wins reader and 1 to a last-wins one: neither may be guessed.
        let ambiguous = self.fixture.scored("rA", score: #"5,"score":1"#, at: 0)
        let actions = self.engine.receive(ambiguous)
        let publication = try #require(actions.publications.first)
        #expect(publication.topic == "persistent://krane/experiments/acme-events-composite-service-DLQ")
        #expect(publication.payload == ambiguous.payload)
        #expect(publication.properties["reason"]?.hasPrefix(#"duplicate key "score" at byte "#) == true)
        #expect(self.engine.publicationConfirmed(publication.id).acknowledged == [ambiguous.ref])
    }

    @Test mutating func aCompositeWithoutAScorerWaitsAndFailsOnExpiryNamingIt() throws {
        _ = self.engine.receive(self.fixture.created(1, feature: "Unknown", composite: true, at: 0))
        #expect(self.engine.pendingComposites.first?.waitingFor == ["a scorer for Unknown"])
        _ = self.engine.receive(self.fixture.expired(1, at: 5))
        let publication = try #require(self.engine.endOfInput().publications.first)
        #expect(
            publication.json["data"]?["error"]
                == .string(
                    "The composite expired at \(EngineFixture.time(5)) with no scorer loaded for featureId Unknown."
                )
        )
    }

    @Test mutating func aScorerLoadedLaterStartsMatchingPendingComposites() throws {
        var engine = CompositeEngine(catalog: ScorerCatalog())
        _ = engine.receive(self.fixture.created(1, feature: "Sum", composite: true, at: 0))
        _ = engine.replaceScorers(ScorerCatalog([SumScorer()]))
        _ = engine.receive(self.fixture.created(2, feature: "A", at: 1))
        _ = engine.receive(self.fixture.created(3, feature: "B", at: 2))
        _ = engine.receive(self.fixture.completed(2, result: "rA", at: 3))
        _ = engine.receive(self.fixture.completed(3, result: "rB", at: 4))
        _ = engine.receive(self.fixture.scored("rA", score: "6", at: 5))
        _ = engine.receive(self.fixture.scored("rB", score: "7", at: 6))
        let publication = try #require(engine.endOfInput().publications.first)
        #expect(publication.json["data"]?["score"] == .number(.integer(13)))
        #expect(publication.json["data"]?["interpretation"] == .string("high"))
    }

    @Test mutating func aNumberOutOfRangeInAFieldNobodyReadsDoesNotStopTheScore() throws {
        var engine = CompositeEngine(catalog: ScorerCatalog([SumScorer()]))
        _ = engine.receive(self.fixture.created(1, feature: "Sum", composite: true, at: 0))
        _ = engine.receive(self.fixture.created(2, feature: "A", at: 1))
        _ = engine.receive(self.fixture.created(3, feature: "B", at: 2))
        _ = engine.receive(self.fixture.completed(2, result: "rA", at: 3))
        _ = engine.receive(self.fixture.completed(3, result: "rB", at: 4))
        #expect(engine.receive(self.fixture.scored("rA", score: #"6,"extra":1e400"#, at: 5)).publications.isEmpty)
        _ = engine.receive(self.fixture.scored("rB", score: "7", at: 6))
        let publication = try #require(engine.endOfInput().publications.first)
        #expect(publication.json["data"]?["score"] == .number(.integer(13)))
    }

    @Test mutating func anEarlierRunsResultSettlesTheCompositeAndHoldsItUntilTheRetentionPasses() throws {
        let composite = self.fixture.created(1, feature: "Sum", composite: true, at: 0)
        _ = self.engine.receive(composite)
        let resultId = ResultIdentifier.make(tenant: "acme", occurrence: OccurrenceID("1"))
        let earlier = self.fixture.delivery(
            EngineFixture.experiments,
            at: 1,
            #"{"name":"CompositeScoreGenerated","version":"v2","tenant":"acme","data":{"resultId":"\#(resultId)","occurrenceId":1,"components":[{"featureId":"A","occurrenceId":2,"resultId":"rA"}]}}"#
        )
        // Nothing is acknowledged early: a further crash must bring back the composite together with its result. The
        // decision proof the crash cut off is published now, from what the result lists.
        let settling = self.engine.receive(earlier)
        #expect(settling.acknowledged.isEmpty)
        let proof = try #require(settling.publications.first)
        #expect(settling.count == 1 && proof.kind == .proof)
        #expect(
            proof.json["claimed"] == .array([.number(.integer(2))]) && proof.json["results"] == .array([.string("rA")])
        )
        #expect(self.engine.statistics.pendingComposites == 0)
        // Its listed task and that task's score come back later: held under the settled composite, not claimed.
        let taskA = self.fixture.created(2, feature: "A", at: 2)
        let scoreA = self.fixture.scored("rA", score: "1", at: 3)
        #expect(self.engine.receive(taskA).isEmpty)
        #expect(self.engine.receive(scoreA).isEmpty)
        _ = self.engine.receive(self.fixture.created(10, feature: "Sum", composite: true, at: 4))
        #expect(self.engine.pendingComposites.first?.waitingFor == ["A: no task claimed", "B: no task claimed"])
        // A second copy of the result with another id is a repeat.
        let copy = self.fixture.delivery(
            EngineFixture.experiments,
            at: 5,
            #"{"name":"CompositeScoreGenerated","version":"v2","tenant":"acme","data":{"resultId":"\#(resultId)","occurrenceId":1}}"#
        )
        #expect(self.engine.receive(copy).acknowledged == [copy.ref])
        let retention = self.engine.configuration.decidedRetention / 1_000
        let past = self.fixture.delivery(
            EngineFixture.tasks,
            at: 5 + retention + 1,
            #"{"name":"Other","version":"v2","tenant":"acme","data":{}}"#
        )
        let released = self.engine.receive(past).acknowledged
        #expect(released.isSuperset(of: [composite.ref, taskA.ref, scoreA.ref, earlier.ref]))
        #expect(!released.contains(copy.ref))
    }

    /// Once the proof of a settled composite is durable, what the composite held goes at once and the proof
    /// recognises its messages from then on.
    @Test mutating func theProofOfASettledCompositeReleasesItOnceDurable() throws {
        let composite = self.fixture.created(1, feature: "Sum", composite: true, at: 0)
        let taskA = self.fixture.created(2, feature: "A", at: 1)
        _ = self.engine.receive(composite)
        _ = self.engine.receive(taskA)
        let resultId = ResultIdentifier.make(tenant: "acme", occurrence: OccurrenceID("1"))
        let earlier = self.fixture.delivery(
            EngineFixture.experiments,
            at: 2,
            #"{"name":"CompositeScoreGenerated","version":"v2","tenant":"acme","data":{"resultId":"\#(resultId)","occurrenceId":1,"components":[{"featureId":"A","occurrenceId":2,"resultId":"rA"}]}}"#
        )
        let proof = try #require(self.engine.receive(earlier).publications.first)
        let released = self.engine.publicationConfirmed(proof.id, messageID: MessageID(entryId: 9))
        #expect(released.acknowledged == [composite.ref, taskA.ref, earlier.ref])
        #expect(self.engine.statistics.proofsHeld == 1)
        let scoreA = self.fixture.scored("rA", score: "1", at: 3)
        #expect(self.engine.receive(scoreA).acknowledged == [scoreA.ref])
    }

    @Test mutating func anUnknownPatientGivesAnErrorResult() throws {
        for delivery in [
            self.fixture.created(1, feature: "Sum", composite: true, at: 0),
            self.fixture.created(2, feature: "A", at: 1),
            self.fixture.created(3, feature: "B", at: 2), self.fixture.completed(2, result: "rA", at: 3),
            self.fixture.completed(3, result: "rB", at: 4), self.fixture.scored("rA", score: "1", at: 5),
            self.fixture.scored("rB", score: "1", at: 6),
        ] { _ = self.engine.receive(delivery) }
        let lookup = try #require(self.engine.endOfInput().lookups.first)
        let publication = try #require(self.engine.patientLookedUp(lookup, record: nil).publications.first)
        #expect(
            publication.json["data"]?["error"]
                == .string("The age of the patient is unknown: patient p1 is not in the patient directory.")
        )
    }

    @Test mutating func resultsReadBackDoNotMoveTheWatermark() {
        let stray = self.fixture.scored("nobody", score: "1", at: 0)
        _ = self.engine.receive(stray)
        // Our own result, published by this service's clock long after the input's event time.
        let own = self.fixture.delivery(
            EngineFixture.tasks,
            at: 10_000,
            #"{"name":"TaskStarted","version":"v2","tenant":"acme","data":{}}"#
        )
        let result = Delivery(
            topic: EngineFixture.experiments,
            id: MessageID(entryId: 999),
            publishTime: EngineFixture.time(99_999),
            payload: Array(
                #"{"name":"CompositeScoreGenerated","version":"v2","tenant":"acme","data":{"resultId":"x","occurrenceId":5}}"#
                    .utf8
            )
        )
        #expect(self.engine.receive(result).acknowledged == [result.ref])
        #expect(
            self.engine.watermarks.first { $0.topic == EngineFixture.experiments }?.watermark == EngineFixture.time(0)
        )
        #expect(self.engine.receive(own).acknowledged.contains(stray.ref))
    }

    @Test func resultIdsAreStableAndIgnoreTheOccurrenceIdsJSONType() throws {
        let fromInteger = ResultIdentifier.make(
            tenant: "orikami",
            occurrence: try #require(OccurrenceID(json: .number(.integer(1))))
        )
        let fromString = ResultIdentifier.make(
            tenant: "orikami",
            occurrence: try #require(OccurrenceID(json: .string("1")))
        )
        #expect(fromInteger == fromString)
        #expect(fromInteger.count == 24 && fromInteger.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(fromInteger != ResultIdentifier.make(tenant: "other", occurrence: OccurrenceID("1")))
    }
}
