import Testing

@testable import CompositeKafka

/// One consumer-group member's partitions and acknowledgements, without librdkafka.
@Suite struct KafkaGroupMemberStateMachineTests {
    typealias Machine = KafkaGroupMemberStateMachine
    let tasks = Machine.Partition(topic: "tasks", partition: 0)
    let experiments = Machine.Partition(topic: "experiments", partition: 0)

    /// A member assigned both topics: tasks committed at 3, experiments without a committed offset.
    func assigned() -> Machine {
        var machine = Machine()
        let assignment = machine.assigned([self.tasks: PartitionAcknowledgements(committed: 3), self.experiments: nil])
        #expect(assignment.partitions == [self.tasks: 3, self.experiments: -2])
        let changed = machine.takeAssignmentChange()
        #expect(changed)
        return machine
    }

    @Test func pollDeliversWhatIsNotAcknowledgedAndSkipsWhatIs() {
        var machine = self.assigned()
        #expect(machine.polled(self.tasks, offset: 3) == .deliver)
        machine.acknowledge([("tasks", 0, 5)])
        #expect(machine.polled(self.tasks, offset: 4) == .deliver)
        #expect(machine.polled(self.tasks, offset: 5) == .skip, "acknowledged before: skipped")
        // A partition without a committed offset starts at its first message.
        #expect(machine.polled(self.experiments, offset: 40) == .deliver)
        #expect(machine.partitions[self.experiments]! == PartitionAcknowledgements(committed: 40))
        #expect(machine.polled(.init(topic: "other", partition: 0), offset: 1) == .skip, "not ours")
    }

    @Test func aRewindForARebuiltEngineDeliversAcknowledgedOffsetsAgain() {
        var machine = self.assigned()
        machine.acknowledge([("tasks", 0, 5)])
        let assignment = machine.rewind(replay: true)
        #expect(assignment?.partitions == [self.tasks: 3, self.experiments: -2])
        #expect(machine.polled(self.tasks, offset: 5) == .deliver)
        var empty = Machine()
        let none = empty.rewind(replay: false)
        #expect(none == nil, "a member without partitions is left alone")
    }

    @Test func commitsTakeWhatChangedAndAFailedCommitIsTriedAgain() {
        var machine = self.assigned()
        _ = machine.polled(self.experiments, offset: 0)
        machine.acknowledge([("tasks", 0, 3), ("tasks", 0, 5), ("experiments", 0, 0), ("gone", 0, 1)])
        let commit = machine.takeCommit()
        #expect(Set(commit.map(\.0)) == [self.tasks, self.experiments])
        #expect(commit.first { $0.0 == self.tasks }?.1 == PartitionAcknowledgements(committed: 4, ranges: [5..<6]))
        #expect(machine.takeCommit().isEmpty, "nothing new")
        machine.commitFailed([self.tasks])
        #expect(machine.takeCommit(only: [self.experiments]).isEmpty)
        #expect(machine.takeCommit(only: [self.tasks]).map(\.0) == [self.tasks])
    }

    @Test func aRevocationCommitsTheRevokedPartitionsAndForgetsThem() {
        var machine = self.assigned()
        machine.acknowledge([("tasks", 0, 3)])
        let commit = machine.revoking([self.tasks])
        #expect(commit.map(\.0) == [self.tasks])
        machine.revoked([self.tasks])
        let changed = machine.takeAssignmentChange()
        #expect(changed)
        #expect(machine.partitions.keys.sorted { $0.topic < $1.topic } == [self.experiments])
        #expect(machine.dirty.isEmpty)
    }

    @Test func aTopicWithMoreThanOnePartitionCannotBeServed() {
        var machine = Machine()
        _ = machine.assigned([.init(topic: "tasks", partition: 1): nil])
        #expect(machine.unsupported?.contains("topic tasks has more than one partition") == true)
    }

    @Test func caughtUpComparesWhereTheMemberStandsWithTheHighWatermark() {
        var machine = self.assigned()
        // Not read since the assignment: the committed offset, or the low watermark without one.
        #expect(machine.positions(of: "tasks")?.map(\.1) == [3])
        #expect(machine.positions(of: "experiments")?.map(\.1) == [nil])
        _ = machine.polled(self.tasks, offset: 9)
        #expect(machine.positions(of: "tasks")?.map(\.1) == [10])
        #expect(Machine.isCaughtUp(position: 10, low: 0, high: 10))
        #expect(!Machine.isCaughtUp(position: 9, low: 0, high: 10))
        #expect(Machine.isCaughtUp(position: nil, low: 4, high: 4), "an empty partition")
        // An unanswered assignment change means no answer.
        machine.rebalanceFailed()
        #expect(machine.positions(of: "tasks") == nil)
        #expect(!machine.hasAssignment)
    }
}
