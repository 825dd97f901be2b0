/// Which of a tenant's two topics a message came from.
public enum TopicKind: String, Sendable, Hashable {
    /// `persistent://P/tasks/T-events`: task lifecycle events.
    case tasks
    /// `persistent://P/experiments/T-events`: experiment results, including the service's own.
    case experiments
}

/// A tenant topic named the Pulsar way: `persistent://P/<tasks|experiments>/T-events`.
public struct TenantTopic: Sendable, Hashable, CustomStringConvertible {
    /// The broker tenant `P` (for example `krane-staging`).
    public var brokerTenant: String
    public var kind: TopicKind
    /// The Krane tenant `T` (for example `orikami`); messages on the topic must carry it in `tenant`.
    public var kraneTenant: String

    public init(brokerTenant: String, kind: TopicKind, kraneTenant: String) {
        self.brokerTenant = brokerTenant
        self.kind = kind
        self.kraneTenant = kraneTenant
    }

    /// Parses the full (`persistent://P/tasks/T-events`) or short (`P/tasks/T-events`) form.
    public init?(_ name: String) {
        var rest = Substring(name)
        if rest.hasPrefix("persistent://") { rest = rest.dropFirst("persistent://".count) }
        let parts = rest.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, let kind = TopicKind(rawValue: String(parts[1])),
            parts[2].hasSuffix("-events"), parts[2].count > "-events".count
        else { return nil }
        self.init(
            brokerTenant: String(parts[0]),
            kind: kind,
            kraneTenant: String(parts[2].dropLast("-events".count))
        )
    }

    /// `persistent://P/<kind>/T-events`.
    public var fullName: String { "persistent://\(self.brokerTenant)/\(self.kind.rawValue)/\(self.kraneTenant)-events" }

    public var description: String { self.fullName }

    /// The other topic of the same tenant pair.
    public func sibling(_ kind: TopicKind) -> TenantTopic {
        TenantTopic(brokerTenant: self.brokerTenant, kind: kind, kraneTenant: self.kraneTenant)
    }

    /// The service's own topic for this tenant (decision proofs): `persistent://P/tasks/T-events-<subscription>-state`,
    /// beside the dead-letter topics, so it needs no namespace of its own.
    public func stateTopic(subscription: String) -> String {
        "\(self.sibling(.tasks).fullName)-\(subscription)-state"
    }

    /// The tenant whose service topic (state or dead-letter topic, `…/T-events-<suffix>`) `name` is.
    public static func owner(ofServiceTopic name: String) -> TenantTopic? {
        guard let range = name.ranges(of: "-events-").last else { return nil }
        return TenantTopic(String(name[..<range.lowerBound]) + "-events")
    }

    /// Pulsar's dead-letter topic name for this topic and subscription: `<topic>-<subscription>-DLQ`.
    public func deadLetterTopic(subscription: String) -> String {
        "\(self.fullName)-\(subscription)-DLQ"
    }
}
