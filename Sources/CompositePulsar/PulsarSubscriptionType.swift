/// Pulsar's subscription types.
///
/// The default is `failover`: the broker's unacknowledged-message limits only block Shared and Key_Shared
/// subscriptions, and this service holds messages unacknowledged for weeks (see docs/pulsar.md).
public enum PulsarSubscriptionType: String, Sendable, CaseIterable {
    case exclusive
    case shared
    case failover
    case keyShared = "key_shared"

    var wireValue: UInt64 {
        switch self {
        case .exclusive: 0
        case .shared: 1
        case .failover: 2
        case .keyShared: 3
        }
    }

    init?(wireValue: UInt64) {
        switch wireValue {
        case 0: self = .exclusive
        case 1: self = .shared
        case 2: self = .failover
        case 3: self = .keyShared
        default: return nil
        }
    }
}
