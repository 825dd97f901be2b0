import CompositeCore
import DequeModule

/// The ids this consumer has acknowledged, most recent `capacity` of them.
///
/// An ACK written just before a connection breaks may never reach the broker, which then redelivers the message.
/// Such a redelivery is acknowledged again at once instead of reaching the engine, so no acknowledgement is lost
/// across reconnections. The bound keeps memory flat; an id older than that (already acknowledged long ago, on a
/// connection that then broke) would reach the engine as an ordinary redelivery, which it tolerates.
struct AcknowledgedSet {
    let capacity: Int
    private var members: Set<MessageID> = []
    private var order: Deque<MessageID> = []

    init(capacity: Int) {
        self.capacity = capacity
    }

    mutating func insert(_ id: MessageID) {
        guard self.members.insert(id).inserted else { return }
        self.order.append(id)
        if self.order.count > self.capacity, let oldest = self.order.popFirst() {
            self.members.remove(oldest)
        }
    }

    func contains(_ id: MessageID) -> Bool { self.members.contains(id) }

    var count: Int { self.members.count }
}
