import CompositeCore
import Testing

@testable import CompositePulsar

/// The in-order rule the engine and the idle check rely on, without I/O.
struct DeliveryOrderTests {
    func id(_ entry: UInt64, batch: Int32 = -1, ledger: UInt64 = 7) -> MessageID {
        MessageID(ledgerId: ledger, entryId: entry, partition: -1, batchIndex: batch)
    }

    @Test func ascendingFirstArrivalsAreInOrder() {
        var order = DeliveryOrder()
        for entry in 0..<5 { #expect(order.take(self.id(UInt64(entry)), acknowledgedBefore: false) == .inOrder) }
        #expect(order.take(self.id(0, ledger: 8), acknowledgedBefore: false) == .inOrder, "a later ledger")
    }

    @Test func aFirstArrivalOlderThanOneTakenIsOutOfOrder() {
        var order = DeliveryOrder()
        _ = order.take(self.id(1), acknowledgedBefore: false)
        _ = order.take(self.id(5), acknowledgedBefore: false)
        #expect(
            order.take(self.id(3), acknowledgedBefore: false) == .outOfOrder(message: self.id(3), after: self.id(5))
        )
        #expect(order.take(self.id(4, ledger: 6), acknowledgedBefore: false) != .inOrder, "an older ledger")
    }

    @Test func redeliveriesOfHeldOrAcknowledgedMessagesAreNotDisorder() {
        var order = DeliveryOrder()
        _ = order.take(self.id(1), acknowledgedBefore: false)
        _ = order.take(self.id(2), acknowledgedBefore: false)
        _ = order.take(self.id(3), acknowledgedBefore: false)
        #expect(order.take(self.id(1), acknowledgedBefore: false) == .inOrder, "held: a duplicate")
        order.acknowledged(self.id(2))
        #expect(order.take(self.id(2), acknowledgedBefore: true) == .inOrder, "acknowledged by this consumer")
        #expect(
            order.take(self.id(2), acknowledgedBefore: false) != .inOrder,
            "acknowledged and forgotten by the consumer's bounded memory: counted as disorder, the safe side"
        )
    }

    @Test func batchIndexesOrderWithinTheirEntry() {
        var order = DeliveryOrder()
        _ = order.take(self.id(4, batch: 0), acknowledgedBefore: false)
        _ = order.take(self.id(4, batch: 2), acknowledgedBefore: false)
        #expect(order.take(self.id(4, batch: 1), acknowledgedBefore: false) != .inOrder)
        #expect(order.take(self.id(5, batch: 0), acknowledgedBefore: false) == .inOrder)
    }

    @Test func anEntryPassedOverCountsAsTakenForCaughtUp() {
        var order = DeliveryOrder()
        #expect(!order.hasTaken(upTo: self.id(0)), "nothing taken")
        _ = order.take(self.id(3), acknowledgedBefore: false)
        #expect(order.hasTaken(upTo: self.id(3)))
        #expect(!order.hasTaken(upTo: self.id(4)))
        order.passed(MessageID(ledgerId: 7, entryId: 4, partition: -1, batchIndex: .max))
        #expect(order.hasTaken(upTo: self.id(4, batch: 9)))
        #expect(order.take(self.id(4, batch: 1), acknowledgedBefore: false) != .inOrder, "a passed entry's index")
    }

    @Test func aResetStartsANewInOrderRun() {
        var order = DeliveryOrder()
        _ = order.take(self.id(9), acknowledgedBefore: false)
        order.reset()
        #expect(!order.hasTaken(upTo: self.id(0)))
        #expect(
            order.take(self.id(2), acknowledgedBefore: false) == .inOrder,
            "the rewound subscription's first message"
        )
        #expect(order.take(self.id(9), acknowledgedBefore: false) == .inOrder)
    }
}
