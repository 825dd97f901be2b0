/// Carrying held messages forward (contract `semantics.md`, durable holding; guarantee 6): a message held on an input
/// topic for longer than `carryAge`, or beyond `maxHeldPerTopic` messages there, is re-published to its tenant's state
/// topic as a ``CarriedMessage``; once the broker confirmed the copy, the original is acknowledged. The input
/// subscription then keeps few acknowledgement holes however long composites wait, and input retention only needs to
/// exceed the carry age. Copies held for longer than the carry age are carried again, so that the live part of the
/// state topic stays recent.
///
/// Everywhere else a carried message keeps its identity (original topic and id): a copy read back after a restart is
/// handled exactly as the original, and a copy and its original seen together are one message, of which only the
/// newest copy is kept.
extension CompositeEngine {
    /// Carries what is due: messages held since before `now` minus the carry age, where `now` is the caller's wall
    /// clock (the service) or `nil` for the latest publish time the engine has read (replay, which has no clock).
    public mutating func carryHeldMessages(now: Timestamp? = nil) -> [EngineAction] {
        if let now, now > self.carryClock { self.carryClock = now }
        let cutoff = self.carryClock.adding(milliseconds: -self.configuration.carryAge)
        for slot in self.carrying.slots {
            let bound = self.topicSlots[Int(slot)].isState ? nil : self.configuration.maxHeldPerTopic
            let due = self.carrying.due(on: slot, cutoff: cutoff, bound: bound)
            self.carry(due)
        }
        return self.output.take()
    }

    /// Records a newly held input message (its original, or the copy it was read back from) and carries the oldest
    /// messages of its topic when the topic holds more than the bound.
    mutating func holdForCarrying(
        _ identity: HeldRef,
        delivery: Delivery,
        tenant: String,
        at location: HeldRef,
        since: Timestamp
    ) {
        let copy = CarriedMessage(
            tenant: tenant,
            topic: delivery.topic,
            id: delivery.id,
            publishTime: delivery.publishTime,
            key: delivery.key,
            payload: delivery.payload
        )
        self.carrying.hold(identity, as: copy, at: location, since: since)
        let slot = location.topic
        guard !self.topicSlots[Int(slot)].isState,
            self.carrying.heldPerSlot[slot, default: 0] > self.configuration.maxHeldPerTopic
        else { return }
        let due = self.carrying.due(on: slot, cutoff: nil, bound: self.configuration.maxHeldPerTopic)
        self.carry(due)
    }

    private mutating func carry(_ identities: [HeldRef]) {
        for identity in identities {
            guard let message = self.carrying.message(identity) else { continue }
            // Carried messages are input messages: their topics have a stream.
            let stream = self.topicSlots[Int(identity.topic)].stream!
            self.sequence += 1
            let id = PublicationID(rawValue: self.sequence)
            self.publications[id] = InFlightPublication(refs: [], composite: nil, stage: .carry(identity))
            self.output.actions.append(
                .publish(
                    Publication(
                        id: id,
                        topic: self.streams[Int(stream)].topic.stateTopic(
                            subscription: self.configuration.subscription
                        ),
                        payload: JSONWriter.encode(message.json),
                        kind: .carry,
                        publishTime: self.carryClock
                    )
                )
            )
        }
    }

    /// The broker stored the copy of `identity` as `id`: the earlier location (the original, or an older copy) is
    /// acknowledged. A message decided while its copy was in flight has its copy acknowledged instead.
    mutating func carryConfirmed(_ identity: HeldRef, id: MessageID?) {
        guard let id else {
            self.carrying.carryAbandoned(identity)
            return
        }
        let copy = HeldRef(topic: self.stateSlot(of: self.topicSlots[Int(identity.topic)].stream!), id: id)
        guard self.held.contains(identity),
            let previous = self.carrying.move(identity, to: copy, since: self.carryClock)
        else {
            self.acknowledgePhysically(copy)
            return
        }
        self.counters.messagesCarried += 1
        self.output.acknowledgements.append(self.messageRef(previous))
    }

    /// The state topics have been read (the caller's gate opened; the first input message, a watermark advance, a
    /// caught-up topic or the end of input implies it): the copies read from them are handled now. Deferring them until every decision proof is known
    /// keeps a copy of a decided composite's message from starting the composite again before its proof is read.
    public mutating func stateTopicsRead() -> [EngineAction] {
        self.handleDeferredCopies()
        return self.output.take()
    }

    mutating func handleDeferredCopies() {
        guard !self.inputStarted else { return }
        self.inputStarted = true
        let deferred = Self.inTopicOrder(self.deferredCopies)
        self.deferredCopies = []
        self.deferredCopyRefs = []
        for (carried, copy, delivery, stream) in deferred {
            self.carriedMessageReceived(carried, copy: copy, delivery: delivery, stream: stream)
        }
    }

    /// Copies in the order their originals had on each input topic: carrying and carrying again reorder them on the
    /// state topic, but which composite claims a task first depends on the order of the tasks topic. Topics are
    /// merged by publish time; how they interleave does not change the results (semantics guarantee 1).
    static func inTopicOrder(_ copies: [(carried: CarriedMessage, copy: HeldRef, delivery: Delivery, stream: Int32)])
        -> [(carried: CarriedMessage, copy: HeldRef, delivery: Delivery, stream: Int32)]
    {
        var byTopic: [String: [(carried: CarriedMessage, copy: HeldRef, delivery: Delivery, stream: Int32)]] = [:]
        for copy in copies { byTopic[copy.carried.topic, default: []].append(copy) }
        var queues = byTopic.keys.sorted().map { topic in
            byTopic[topic]!.sorted { $0.carried.id < $1.carried.id }[...]
        }
        var merged: [(carried: CarriedMessage, copy: HeldRef, delivery: Delivery, stream: Int32)] = []
        merged.reserveCapacity(copies.count)
        while let next = queues.indices.filter({ !queues[$0].isEmpty })
            .min(by: { queues[$0].first!.carried.publishTime < queues[$1].first!.carried.publishTime })
        {
            merged.append(queues[next].removeFirst())
        }
        return merged
    }

    /// A copy read from a state topic: before any input, it waits for the rest of the state topics.
    mutating func carriedMessageRead(_ carried: CarriedMessage, copy: HeldRef, delivery: Delivery, stream: Int32) {
        if self.inputStarted {
            self.carriedMessageReceived(carried, copy: copy, delivery: delivery, stream: stream)
        } else if self.deferredCopyRefs.insert(copy).inserted {
            self.deferredCopies.append((carried, copy, delivery, stream))
        } else {
            self.counters.redeliveriesIgnored += 1
        }
    }

    /// A copy read from a state topic: after a restart, the message it stands for arrives here first (the state
    /// topics are read before the input); a message already held elsewhere moves to the newer copy.
    mutating func carriedMessageReceived(_ carried: CarriedMessage, copy: HeldRef, delivery: Delivery, stream: Int32) {
        if self.carrying.identity(ofCopy: copy) != nil {
            self.counters.redeliveriesIgnored += 1
            return
        }
        if carried.publishTime > self.carryClock { self.carryClock = carried.publishTime }
        let slotIndex = self.slot(for: carried.topic)
        let slot = self.topicSlots[Int(slotIndex)]
        guard slot.stream == stream, !slot.isState else {
            self.deadLetter(
                delivery,
                ref: copy,
                topic: "\(delivery.topic)-DLQ",
                reason: DeadLetterReason("carried message of topic \(carried.topic), not an input topic of this tenant")
            )
            return
        }
        let identity = HeldRef(topic: slotIndex, id: carried.id)
        if self.held.contains(identity) {
            if let previous = self.carrying.move(identity, to: copy, since: delivery.publishTime) {
                self.output.acknowledgements.append(self.messageRef(previous))
            } else {
                // Held, but not as an input message (a dead letter in flight): the copy is not needed.
                self.acknowledgePhysically(copy)
            }
            return
        }
        self.carrying.hold(identity, as: carried, at: copy, since: delivery.publishTime)
        self.counters.carriedMessagesRead += 1
        self.receiveInput(carried.delivery, slot: slot, stream: stream, ref: identity, isCopy: true)
    }

    /// Acknowledges one physical message that stands for nothing the engine holds.
    mutating func acknowledgePhysically(_ ref: HeldRef) {
        self.counters.acknowledged += 1
        self.output.acknowledgements.append(self.messageRef(ref))
    }
}
