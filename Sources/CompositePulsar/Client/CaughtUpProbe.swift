/// A message the consumer publishes to its own input topic to learn whether it has been handed everything.
///
/// `GET_LAST_MESSAGE_ID` names the last message stored, acknowledged or not. A consumer that subscribed after that
/// message was acknowledged (a restart after the tail of a topic was decided) is never sent it, so "taken up to the
/// last message" would never hold and the topic would never count as idle. When the answer is inconclusive the
/// consumer publishes one probe to the partition and waits: topics are delivered in order, so taking the probe means
/// everything stored before it has been taken too. Probes are acknowledged by the consumer itself and never reach
/// the engine; at most one is outstanding per partition, so a broker that withholds messages gets one probe, not one
/// per check.
enum CaughtUpProbe {
    /// The property that marks a probe; other consumers of the topic can filter on it.
    static let property = "composite-service-probe"
    /// An event name no producer of the platform uses, so a consumer that does not filter ignores it as unrelated.
    static let payload = Array(#"{"name":"CompositeServiceCaughtUpProbe","version":"v1"}"#.utf8)

    static func isProbe(_ properties: [String: String]) -> Bool { properties[Self.property] != nil }
}
