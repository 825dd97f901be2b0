import Testing

@testable import CompositeService

/// The idle advance's bookkeeping, with time as an input.
@Suite struct IdleAdvanceTests {
    let start = ContinuousClock.now

    func at(_ seconds: Double) -> ContinuousClock.Instant {
        self.start.advanced(by: .milliseconds(Int64(seconds * 1_000)))
    }

    @Test func aTopicIsAskedAboutOnlyAfterTheIntervalWithoutDeliveries() {
        var idle = IdleAdvance(topics: ["a", "b"], interval: .seconds(10), now: self.at(0))
        #expect(idle.topicsToCheck(at: self.at(9.9)).isEmpty)
        idle.delivered("a", at: self.at(5))
        #expect(idle.topicsToCheck(at: self.at(10)) == ["b"])
        #expect(idle.topicsToCheck(at: self.at(15)) == ["a", "b"])
    }

    @Test func onlyACaughtUpAnswerAdvancesAndANoIsAskedAgainAfterTheRecheck() {
        var idle = IdleAdvance(topics: ["a"], interval: .seconds(10), recheck: .seconds(1), now: self.at(0))
        #expect(idle.checked("a", caughtUp: false, at: self.at(10)) == false)
        #expect(idle.topicsToCheck(at: self.at(10.5)).isEmpty, "not asked on every turn of the loop")
        #expect(idle.topicsToCheck(at: self.at(11)) == ["a"])
        #expect(idle.checked("a", caughtUp: true, at: self.at(11)) == true)
        #expect(idle.topicsToCheck(at: self.at(20)).isEmpty, "after an advance, another quiet interval")
        #expect(idle.topicsToCheck(at: self.at(21)) == ["a"])
    }

    @Test func theRecheckNeverExceedsTheInterval() {
        var idle = IdleAdvance(topics: ["a"], interval: .seconds(1), recheck: .seconds(5), now: self.at(0))
        _ = idle.checked("a", caughtUp: false, at: self.at(1))
        #expect(idle.topicsToCheck(at: self.at(2)) == ["a"])
    }

    @Test func unknownTopicsAreIgnored() {
        var idle = IdleAdvance(topics: ["a"], interval: .seconds(1), now: self.at(0))
        idle.delivered("zzz", at: self.at(0.5))
        #expect(idle.checked("zzz", caughtUp: true, at: self.at(2)) == false)
        #expect(idle.topicsToCheck(at: self.at(2)) == ["a"])
    }
}
