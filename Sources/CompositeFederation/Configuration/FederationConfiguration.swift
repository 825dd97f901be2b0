import CompositeCore

/// One node's view of the federation: who it is, who takes part, their public keys, where inboxes live, and its
/// privacy settings. Loaded from a YAML file by ``FederationConfiguration/load(yaml:file:)``; private keys come
/// from a separate key file (``KeyFile``).
public struct FederationConfiguration: Sendable {
    /// A node's role, as in FLAME: the aggregator asks and combines, default nodes answer.
    public enum Role: String, Sendable, Hashable {
        case aggregator
        case `default`
    }

    /// A node taking part, with the public keys every other node uses to verify it and encrypt for it.
    public struct Participant: Sendable {
        public var name: String
        public var role: Role
        public var keys: NodePublicKeys

        public init(name: String, role: Role, keys: NodePublicKeys) {
            self.name = name
            self.role = role
            self.keys = keys
        }
    }

    /// This node's name; it must be one of ``participants``.
    public var node: String
    /// Every node of the federation, this one included, sorted by name.
    public var participants: [Participant]
    /// The broker tenant `P` of the inbox topics and of this node's experiments topics. Default: `krane-staging`.
    public var brokerTenant: String = "krane-staging"
    /// The Krane tenants `T` whose experiments topics hold this node's results. Default: none.
    public var kraneTenants: [String] = []
    /// How far a message's signed timestamp may be from the receiver's clock. Default: 300 seconds.
    public var skewSeconds: Int64 = 300
    /// What a summary may reveal. Default: ``ReleasePolicy`` defaults (threshold 5, no noise).
    public var release = ReleasePolicy()
    /// The histogram bins the aggregator asks for. Default: ``ScoreBinning`` defaults.
    public var binning = ScoreBinning()

    public init(node: String, participants: [Participant]) {
        self.node = node
        self.participants = participants.sorted { $0.name < $1.name }
    }

    /// This node's role.
    public var role: Role { self.participant(self.node)?.role ?? .default }

    /// The configured participant named `name`.
    public func participant(_ name: String) -> Participant? {
        self.participants.first { $0.name == name }
    }

    /// The other nodes, sorted by name.
    public var others: [Participant] { self.participants.filter { $0.name != self.node } }

    /// The inbox topic of `node`: `persistent://<brokerTenant>/federation/<node>-inbox`.
    public func inboxTopic(for node: String) -> String {
        "persistent://\(self.brokerTenant)/federation/\(node)-inbox"
    }

    /// This node's experiments topics, one per Krane tenant.
    public var experimentsTopics: [String] {
        self.kraneTenants.map {
            TenantTopic(brokerTenant: self.brokerTenant, kind: .experiments, kraneTenant: $0).fullName
        }
    }
}
