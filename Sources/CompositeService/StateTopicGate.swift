public import CompositeBroker
import CompositeCore
import DequeModule

/// Holds back a starting engine's input messages until it has read every decision proof stored on its state
/// topics, so that no decision or claim is taken without them (contract `semantics.md`, durable holding).
///
/// The starting service publishes a read marker to each state topic; topics are delivered in order, so once its own
/// marker comes back on a state topic, every proof stored there before it has been read. Until then state messages
/// pass and input messages wait here, in order.
public struct StateTopicGate: Sendable {
    /// The property carrying a read marker's token.
    public static let markerProperty = "composite-service-read-marker"

    private var awaiting: [String: String]
    private let stateTopics: Set<String>
    private var buffered: Deque<BrokerMessage> = []

    /// - Parameter markers: the token of the marker published to each state topic.
    public init(markers: [String: String]) {
        self.awaiting = markers
        self.stateTopics = Set(markers.keys)
    }

    /// Whether every state topic has been read up to its marker.
    public var isOpen: Bool { self.awaiting.isEmpty }

    /// Input messages waiting for the gate to open.
    public var waiting: Int { self.buffered.count }

    /// The messages to hand to the engine now, in order: `message` itself unless it must wait, and everything that
    /// waited once the last marker arrives.
    public mutating func admit(_ message: BrokerMessage) -> [BrokerMessage] {
        guard !self.isOpen else { return [message] }
        guard self.stateTopics.contains(message.topic) else {
            self.buffered.append(message)
            return []
        }
        if let token = self.awaiting[message.topic], message.properties[Self.markerProperty] == token {
            self.awaiting[message.topic] = nil
        }
        guard self.isOpen else { return [message] }
        defer { self.buffered = [] }
        return [message] + self.buffered
    }

    /// Publishes a marker with `token` to every state topic and returns the gate that waits for them.
    public static func open(
        stateTopics: [String],
        token: String,
        broker: any MessageBroker
    ) async throws -> StateTopicGate {
        for topic in stateTopics {
            _ = try await broker.publish(
                OutgoingMessage(
                    payload: CompositeEngine.readMarker(token: token),
                    properties: [Self.markerProperty: token]
                ),
                to: topic
            )
        }
        return StateTopicGate(markers: Dictionary(uniqueKeysWithValues: stateTopics.map { ($0, token) }))
    }
}
