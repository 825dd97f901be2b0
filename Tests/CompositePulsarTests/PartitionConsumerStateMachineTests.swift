import CompositeCore
import Testing

@testable import CompositePulsar

/// The partition consumer's bookkeeping, without a broker: what it sends for each input.
@Suite struct PartitionConsumerStateMachineTests {
    typealias Machine = PartitionConsumerStateMachine
    typealias Action = PartitionConsumerStateMachine.Action

    /// A machine subscribed as consumer 7 with a receiver queue of 10, and its epoch.
    func subscribed(queue: Int = 10) -> (Machine, Int) {
        var machine = Machine(partition: 0, receiverQueueSize: queue)
        let epoch = machine.subscribing()
        #expect(machine.subscribed(consumerID: 7) == [.sendFlow(consumerID: 7, permits: UInt32(queue))])
        return (machine, epoch)
    }

    func id(_ entry: UInt64, batch: Int32 = -1) -> MessageID {
        MessageID(ledgerId: 1, entryId: entry, partition: 0, batchIndex: batch)
    }

    /// The entry of `ids` (all of one entry) arriving on subscription `epoch` over an active connection.
    func arrival(of ids: [MessageID], skipped: Int = 0, on machine: inout Machine, epoch: Int) -> Machine.Arrival? {
        machine.entryArrived(
            ids,
            skipped: skipped,
            ledgerID: ids[0].ledgerId,
            entryID: ids[0].entryId,
            epoch: epoch,
            connectionActive: true
        )
    }

    func wire(_ entry: UInt64) -> MessageIDData {
        MessageIDData(ledgerID: 1, entryID: entry, partition: 0)
    }

    @Test func permitsGoBackInHalvesOfTheReceiverQueue() {
        var (machine, epoch) = self.subscribed(queue: 10)
        var sent: [Action?] = []
        for entry in 1...10 { sent.append(machine.taken(self.id(UInt64(entry)), epoch: epoch).action) }
        #expect(
            sent == [
                nil, nil, nil, nil, .sendFlow(consumerID: 7, permits: 5), nil, nil, nil, nil,
                .sendFlow(consumerID: 7, permits: 5),
            ]
        )
    }

    @Test func aStaleSubscriptionsPermitsAndEntriesAreDropped() {
        var (machine, epoch) = self.subscribed(queue: 2)
        _ = machine.stop()
        #expect(machine.returnPermits(5, epoch: epoch) == nil)
        let stale = self.arrival(of: [self.id(1)], on: &machine, epoch: epoch)
        #expect(stale == nil)
        // The next subscription's epoch is current again.
        let next = machine.subscribing()
        #expect(next > epoch)
        _ = machine.subscribed(consumerID: 8)
        #expect(machine.returnPermits(1, epoch: next) == .sendFlow(consumerID: 8, permits: 1))
    }

    @Test func anEntryIsAcknowledgedIndividuallyAndABatchWhenAllItsMessagesAre() {
        var (machine, _) = self.subscribed()
        #expect(
            machine.acknowledge([self.id(1)], connectionActive: true)
                == .sendAck(consumerID: 7, entries: [self.wire(1)])
        )
        machine.batchArrived(ledgerID: 1, entryID: 2, size: 3, alreadyAcknowledged: [0])
        #expect(machine.acknowledge([self.id(2, batch: 1)], connectionActive: true) == nil)
        #expect(machine.batches[.init(ledgerID: 1, entryID: 2)] == .init(size: 3, acknowledged: [0, 1]))
        #expect(
            machine.acknowledge([self.id(2, batch: 2)], connectionActive: true)
                == .sendAck(consumerID: 7, entries: [self.wire(2)])
        )
        #expect(machine.batches.isEmpty)
        // Progress forgotten: acknowledging an index again acknowledges the entry again (harmless for the broker).
        #expect(
            machine.acknowledge([self.id(2, batch: 2)], connectionActive: true)
                == .sendAck(consumerID: 7, entries: [self.wire(2)])
        )
    }

    @Test func acknowledgementsWhileDisconnectedWaitAndGoFirstOnTheNextSubscription() {
        var (machine, epoch) = self.subscribed()
        let resubscribe = machine.disconnected(epoch: epoch)
        #expect(resubscribe)
        #expect(machine.acknowledge([self.id(1), self.id(2)], connectionActive: false) == nil)
        // A connection that is no longer active counts as none.
        #expect(machine.unsentAcknowledgements == [self.wire(1), self.wire(2)])
        _ = machine.subscribing()
        #expect(
            machine.subscribed(consumerID: 9) == [
                .sendAck(consumerID: 9, entries: [self.wire(1), self.wire(2)]), .sendFlow(consumerID: 9, permits: 10),
            ]
        )
        #expect(machine.unsentAcknowledgements.isEmpty)
    }

    @Test func anInactiveConnectionKeepsAcknowledgementsForLater() {
        var (machine, _) = self.subscribed()
        #expect(machine.acknowledge([self.id(3)], connectionActive: false) == nil)
        #expect(machine.unsentAcknowledgements == [self.wire(3)])
    }

    @Test func aRedeliveredAcknowledgedMessageIsAcknowledgedAgainNotHandedOnAndItsPermitReturns() {
        var (machine, epoch) = self.subscribed(queue: 2)
        _ = machine.acknowledge([self.id(1)], connectionActive: true)
        let arrival = self.arrival(of: [self.id(1)], on: &machine, epoch: epoch)
        #expect(
            arrival
                == .init(
                    fresh: [],
                    actions: [.sendAck(consumerID: 7, entries: [self.wire(1)]), .sendFlow(consumerID: 7, permits: 1)]
                )
        )
        // A fresh entry is handed on; skipped batch indexes return their permits.
        let batch = self.arrival(of: [self.id(2, batch: 1)], skipped: 1, on: &machine, epoch: epoch)
        #expect(batch == .init(fresh: [self.id(2, batch: 1)], actions: [.sendFlow(consumerID: 7, permits: 1)]))
    }

    @Test func takingMessagesOutOfOrderIsReported() {
        var (machine, epoch) = self.subscribed()
        #expect(machine.taken(self.id(2), epoch: epoch).verdict == .inOrder)
        #expect(machine.taken(self.id(1), epoch: epoch).verdict != .inOrder)
    }

    @Test func caughtUpOnceTheLastStoredMessageIsTakenWithOneProbeUntilThen() {
        var (machine, epoch) = self.subscribed()
        #expect(machine.lastMessageID(nil) == .caughtUp)
        _ = machine.taken(self.id(1), epoch: epoch)
        #expect(machine.lastMessageID(self.id(1)) == .caughtUp)
        #expect(machine.lastMessageID(self.id(3)) == .notCaughtUp(sendProbe: true, highestTaken: self.id(1)))
        // One probe at a time.
        #expect(machine.lastMessageID(self.id(3)) == .notCaughtUp(sendProbe: false, highestTaken: self.id(1)))
        machine.probeFailed()
        #expect(machine.lastMessageID(self.id(3)) == .notCaughtUp(sendProbe: true, highestTaken: self.id(1)))
        #expect(
            machine.probeTaken(self.id(4), connectionActive: true) == .sendAck(consumerID: 7, entries: [self.wire(4)])
        )
        #expect(!machine.probeOutstanding)
        // A restart forgets the order: nothing counts as taken.
        machine.restarted()
        #expect(machine.lastMessageID(self.id(1)) == .notCaughtUp(sendProbe: true, highestTaken: nil))
    }

    @Test func anEntryWithNothingLeftForTheApplicationCountsAsTaken() {
        var (machine, epoch) = self.subscribed()
        _ = machine.acknowledge([self.id(5)], connectionActive: true)
        _ = self.arrival(of: [self.id(5)], on: &machine, epoch: epoch)
        #expect(machine.lastMessageID(self.id(5)) == .caughtUp)
    }

    @Test func aBrokerThatNeverAnswersIsNotAskedAgain() {
        var (machine, _) = self.subscribed()
        #expect(machine.mayAskForLastMessageID(connectionActive: true))
        #expect(!machine.mayAskForLastMessageID(connectionActive: false))
        machine.lastMessageIDUnansweredInTime()
        #expect(!machine.mayAskForLastMessageID(connectionActive: true))
    }

    @Test func closingEndsTheSubscriptionForGood() {
        var (machine, epoch) = self.subscribed()
        #expect(machine.close() == 7)
        #expect(machine.isClosed)
        let resubscribe = machine.disconnected(epoch: epoch)
        #expect(!resubscribe)
        #expect(machine.close() == nil)
        var stopped = self.subscribed().0
        #expect(stopped.stop() == 7)
        #expect(stopped.stop() == nil)
    }
}
