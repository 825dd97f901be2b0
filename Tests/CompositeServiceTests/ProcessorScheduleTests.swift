import Testing

@testable import CompositeService

/// The processor's clockwork, with time as an input.
@Suite struct ProcessorScheduleTests {
    typealias Chore = ProcessorSchedule.Chore
    let start = ContinuousClock.now

    func at(_ seconds: Double) -> ContinuousClock.Instant {
        self.start.advanced(by: .milliseconds(Int64(seconds * 1_000)))
    }

    func schedule(idle: Int = 60, checkpoint: Int = 5) -> ProcessorSchedule {
        ProcessorSchedule(
            topics: ["t", "e"],
            idleInterval: .seconds(idle),
            checkpointPeriod: .seconds(checkpoint),
            now: self.at(0)
        )
    }

    /// The processor's pause between retries during an outage, as docs/operations.md states it: 1 s, doubling to
    /// 8 s while lookups keep failing, back to 1 s once none waits.
    @Test func retriesBackOffFromOneToEightSecondsAndResetOnceNothingWaits() {
        var schedule = self.schedule()
        // Turns 100 ms apart: the loop turns about that often while the consumer is quiet.
        var tenths = 0
        var last = 0
        var pauses: [Double] = []
        while pauses.count < 5 {
            tenths += 1
            let now = self.at(Double(tenths) / 10)
            guard schedule.due(at: now, lookupsWaiting: true, stateTopicsRead: true).contains(.retryLookups)
            else { continue }
            pauses.append(Double(tenths - last) / 10)
            last = tenths
            schedule.retried(stillWaiting: 3, at: now)
        }
        let now = Double(tenths) / 10
        #expect(pauses == [1, 2, 4, 8, 8])
        schedule.retried(stillWaiting: 0, at: self.at(now))
        #expect(
            !schedule.due(at: self.at(now + 0.9), lookupsWaiting: true, stateTopicsRead: true).contains(.retryLookups)
        )
        #expect(schedule.due(at: self.at(now + 1), lookupsWaiting: true, stateTopicsRead: true).contains(.retryLookups))
    }

    @Test func nothingIsRetriedWhileNoLookupWaits() {
        var schedule = self.schedule()
        #expect(!schedule.due(at: self.at(30), lookupsWaiting: false, stateTopicsRead: true).contains(.retryLookups))
    }

    /// Before the decision proofs are read only retries and reports run: the rest would act on an engine that does
    /// not know its proofs yet.
    @Test func untilTheStateTopicsAreReadOnlyRetriesAndReportsAreDue() {
        var schedule = self.schedule(idle: 1)
        #expect(
            schedule.due(at: self.at(10), lookupsWaiting: true, stateTopicsRead: false) == [.retryLookups, .report]
        )
    }

    /// In the loop's order: retries, idle checks (sorted), caught-up checkpoints and carrying every 200 ms,
    /// checkpoints every period, reports every second; each periodic chore counts as done once returned.
    @Test func choresComeInOrderAtTheirPeriods() {
        var schedule = self.schedule(idle: 1, checkpoint: 5)
        #expect(schedule.due(at: self.at(0.1), lookupsWaiting: false, stateTopicsRead: true) == [])
        #expect(
            schedule.due(at: self.at(0.2), lookupsWaiting: false, stateTopicsRead: true) == [
                .applyCheckpoints, .carryHeldMessages,
            ]
        )
        #expect(schedule.due(at: self.at(0.3), lookupsWaiting: false, stateTopicsRead: true) == [])
        #expect(
            schedule.due(at: self.at(1), lookupsWaiting: true, stateTopicsRead: true) == [
                .retryLookups, .checkIdle(topic: "e"), .checkIdle(topic: "t"), .applyCheckpoints, .carryHeldMessages,
                .report,
            ]
        )
        #expect(
            schedule.due(at: self.at(5), lookupsWaiting: false, stateTopicsRead: true).filter {
                $0 == .publishCheckpoints || $0 == .report
            } == [.publishCheckpoints, .report]
        )
        #expect(
            !schedule.due(at: self.at(6), lookupsWaiting: false, stateTopicsRead: true).contains(.publishCheckpoints)
        )
    }

    /// An idle topic is asked about until it answers; deliveries make it wait another interval (the rules of
    /// `IdleAdvance`, which the schedule applies).
    @Test func idleTopicsAreAskedAboutUntilTheyAnswerAndDeliveriesPostponeThem() {
        var schedule = self.schedule(idle: 10)
        schedule.delivered("t", at: self.at(5))
        #expect(
            schedule.due(at: self.at(10), lookupsWaiting: false, stateTopicsRead: true).contains(.checkIdle(topic: "e"))
        )
        #expect(
            !schedule.due(at: self.at(10), lookupsWaiting: false, stateTopicsRead: true).contains(
                .checkIdle(topic: "t")
            )
        )
        #expect(schedule.idleChecked("e", caughtUp: false, at: self.at(10)) == false)
        // Not caught up: asked again after the 1 s recheck, not on every turn of the loop.
        #expect(
            !schedule.due(at: self.at(10.5), lookupsWaiting: false, stateTopicsRead: true).contains(
                .checkIdle(topic: "e")
            )
        )
        #expect(
            schedule.due(at: self.at(11), lookupsWaiting: false, stateTopicsRead: true).contains(.checkIdle(topic: "e"))
        )
        #expect(schedule.idleChecked("e", caughtUp: true, at: self.at(11)) == true)
        #expect(
            schedule.due(at: self.at(15), lookupsWaiting: false, stateTopicsRead: true).contains(.checkIdle(topic: "t"))
        )
    }

    /// `IDLE_SECONDS` (1…86,400) and `CHECKPOINT_SECONDS` (1…3,600) at their smallest and largest values: an idle
    /// check comes exactly one interval after the last delivery, and checkpoints once per period (never more often
    /// than the 200 ms housekeeping, so 1 s means every fifth turn of it).
    @Test(arguments: [(1, 1), (86_400, 3_600)] as [(Int64, Int64)])
    func theIntervalsHoldAtTheirSmallestAndLargestValues(idle: Int64, checkpoint: Int64) {
        var schedule = self.schedule(idle: Int(idle), checkpoint: Int(checkpoint))
        let last = self.at(Double(idle) - 0.2)
        #expect(!schedule.due(at: last, lookupsWaiting: false, stateTopicsRead: true).contains(.checkIdle(topic: "t")))
        #expect(
            schedule.due(at: self.at(Double(idle)), lookupsWaiting: false, stateTopicsRead: true).contains(
                .checkIdle(topic: "t")
            )
        )

        var checkpoints = self.schedule(idle: Int(idle), checkpoint: Int(checkpoint))
        var published: [Int64] = []
        // Turns 200 ms apart over two periods.
        for turn in 1...(Int(checkpoint) * 10) {
            let now = Int64(turn) * 200
            if checkpoints.due(
                at: self.start.advanced(by: .milliseconds(now)),
                lookupsWaiting: false,
                stateTopicsRead: true
            )
            .contains(.publishCheckpoints) {
                published.append(now)
            }
        }
        #expect(published == [checkpoint * 1_000, checkpoint * 2_000])
    }
}
