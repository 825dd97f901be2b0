import Testing

@testable import CompositeKafka

/// The Kafka consumer's decisions over its group members, without librdkafka.
@Suite struct KafkaConsumerStateMachineTests {
    let start = ContinuousClock.now

    func machine(members: Int = 2) -> KafkaConsumerStateMachine {
        KafkaConsumerStateMachine(memberCount: members, commitInterval: .milliseconds(200), now: self.start)
    }

    @Test func membersTakeTurnsPollingFirst() {
        var machine = self.machine(members: 3)
        #expect((0..<5).map { _ in machine.firstMember() } == [0, 1, 2, 0, 1])
    }

    /// Which rebalances rebuild the engine, and who is read again for it.
    @Test(
        arguments: [
            // (members that delivered, changed member, it has partitions now) -> reaction, rewind all next receive
            ([], 0, false, KafkaConsumerStateMachine.AssignmentReaction.rewindMemberOnly, false),
            ([1], 0, false, .rewindMemberOnly, false),
            ([0], 0, false, .rebuildEngine(rewindMember: false), true),
            ([0, 1], 1, true, .rebuildEngine(rewindMember: false), true),
            ([], 1, true, .rebuildEngine(rewindMember: true), false),
        ] as [(Set<Int>, Int, Bool, KafkaConsumerStateMachine.AssignmentReaction, Bool)]
    )
    func aRebalanceRebuildsTheEngineOnlyWhenItConcernsIt(
        delivered: Set<Int>,
        changed: Int,
        gained: Bool,
        reaction: KafkaConsumerStateMachine.AssignmentReaction,
        rewindAll: Bool
    ) {
        var machine = self.machine()
        for member in delivered { machine.memberDelivered(member) }
        let reacted = machine.assignmentChanged(member: changed, gained: gained)
        #expect(reacted == reaction)
        let rewound = machine.receiveStarted()
        #expect(rewound == rewindAll)
        // The rewind is carried out once.
        let again = machine.receiveStarted()
        #expect(again == false)
        if case .rebuildEngine = reaction {
            #expect(machine.delivered.isEmpty, "the new engine has received nothing yet")
        } else {
            #expect(machine.delivered == delivered)
        }
    }

    @Test func nothingCountsAsCaughtUpWhileARewindIsPendingOrAfterClose() {
        var machine = self.machine()
        #expect(machine.mayBeCaughtUp)
        machine.memberDelivered(0)
        _ = machine.assignmentChanged(member: 0, gained: true)
        #expect(!machine.mayBeCaughtUp)
        _ = machine.receiveStarted()
        #expect(machine.mayBeCaughtUp)
        let first = machine.close()
        #expect(first)
        #expect(!machine.mayBeCaughtUp)
        let second = machine.close()
        #expect(!second, "the members are closed once")
        let closed = machine.receiveStarted()
        #expect(closed == nil)
    }

    @Test func commitsAreAtMostEveryInterval() {
        var machine = self.machine()
        let at = { (milliseconds: Int64) in self.start.advanced(by: .milliseconds(milliseconds)) }
        #expect(
            [100, 200, 300, 399, 400, 650].map { machine.commitDue(at: at($0)) } == [
                false, true, false, false, true, true,
            ]
        )
    }
}
