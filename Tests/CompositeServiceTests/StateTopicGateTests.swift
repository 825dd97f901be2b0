import CompositeBroker
import CompositeCore
import CompositeService
import Testing

/// The gate that makes a new engine read its decision proofs before anything else.
@Suite struct StateTopicGateTests {
    let state = "persistent://krane/tasks/acme-events-composite-service-state"
    let tasks = "persistent://krane/tasks/acme-events"

    func message(_ topic: String, _ entry: UInt64, marker: String? = nil) -> BrokerMessage {
        BrokerMessage(
            topic: topic,
            id: MessageID(entryId: entry),
            publishTime: Timestamp(millisecondsSinceEpoch: 0),
            payload: [],
            properties: marker.map { [StateTopicGate.markerProperty: $0] } ?? [:]
        )
    }

    @Test func inputWaitsUntilTheOwnMarkerIsReadThenComesInOrder() {
        var gate = StateTopicGate(markers: [self.state: "now"])
        #expect(gate.admit(self.message(self.tasks, 1)).isEmpty)
        #expect(gate.admit(self.message(self.tasks, 2)).isEmpty)
        #expect(gate.admit(self.message(self.state, 1)).map(\.id.entryId) == [1], "a proof passes at once")
        #expect(gate.admit(self.message(self.state, 2, marker: "earlier start")).map(\.id.entryId) == [2])
        #expect(!gate.isOpen && gate.waiting == 2, "another start's marker does not open it")
        let opened = gate.admit(self.message(self.state, 3, marker: "now"))
        #expect(gate.isOpen)
        #expect(opened.map { "\($0.topic == self.state ? "s" : "t")\($0.id.entryId)" } == ["s3", "t1", "t2"])
        #expect(gate.admit(self.message(self.tasks, 3)).map(\.id.entryId) == [3])
    }

    @Test func openPublishesOneMarkerPerStateTopic() async throws {
        let broker = InMemoryBroker()
        let other = "persistent://krane/tasks/beta-events-composite-service-state"
        let gate = try await StateTopicGate.open(stateTopics: [self.state, other], token: "t1", broker: broker)
        #expect(!gate.isOpen)
        let markers = broker.publishedMessages
        #expect(markers.map(\.topic).sorted() == [self.state, other].sorted())
        #expect(markers.allSatisfy { $0.properties[StateTopicGate.markerProperty] == "t1" })
        #expect(StateTopicGate(markers: [:]).isOpen, "no tenants, nothing to wait for")
    }
}
