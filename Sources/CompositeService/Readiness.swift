import Synchronization

/// Whether the service is ready, and why (or why not): what `/readyz` answers. Set by the service's parts as their
/// state changes (scorers loading, decision proofs being read, the patient directory failing, a stop), read by the
/// HTTP endpoint.
public final class Readiness: Sendable {
    private let state = Mutex<(ready: Bool, reason: String)>((false, "starting"))

    public init() {}

    public func set(_ ready: Bool, reason: String) {
        self.state.withLock { $0 = (ready, reason) }
    }

    public var current: (ready: Bool, reason: String) { self.state.withLock { $0 } }
}
