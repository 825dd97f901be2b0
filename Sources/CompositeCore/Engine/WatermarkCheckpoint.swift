/// The watermark and read position of one tenant's two input topics, stored on the tenant's state topic from time to
/// time (contract `semantics.md`, durable holding), so that a restarted engine gets back the watermarks of messages that
/// were acknowledged (semantics guarantee 7: restarts do not stall).
///
/// A restarted engine applies a topic's part only once it has read past the recorded position on that topic (every
/// partition), or once its consumer is caught up there: applied earlier, it would decide composites before their
/// redelivered messages are back.
public struct WatermarkCheckpoint: Sendable, Hashable {
    /// One input topic's progress.
    public struct Progress: Sendable, Hashable {
        /// The topic's watermark when the checkpoint was taken.
        public var watermark: Timestamp
        /// The highest message id read on each partition by then.
        public var positions: [Int32: MessageID]

        public init(watermark: Timestamp, positions: [Int32: MessageID]) {
            self.watermark = watermark
            self.positions = positions
        }

        /// Whether `read` (the highest id read per partition) is at or past every recorded position.
        func isPassed(by read: [Int32: MessageID]) -> Bool {
            self.positions.allSatisfy { partition, position in read[partition].map { $0 >= position } ?? false }
        }
    }

    public var tenant: String
    public var tasks: Progress
    public var experiments: Progress

    public init(tenant: String, tasks: Progress, experiments: Progress) {
        self.tenant = tenant
        self.tasks = tasks
        self.experiments = experiments
    }

    /// Whether this checkpoint is at least as far as `other` on both topics, so that `other` adds nothing.
    public func covers(_ other: WatermarkCheckpoint) -> Bool {
        self.tasks.watermark >= other.tasks.watermark && self.experiments.watermark >= other.experiments.watermark
    }

    /// The `kind` member that marks a checkpoint among the state topic's messages.
    static let kind = "watermark-checkpoint"

    /// `{"kind":"watermark-checkpoint","version":1,"tenant":…,"tasks":{"watermark":<ms>,"positions":["l:e:p:b",…]},
    /// "experiments":{…}}`.
    public var json: JSONValue {
        func progress(_ progress: Progress) -> JSONValue {
            .object(
                JSONObject([
                    ("watermark", .number(.integer(Int(progress.watermark.millisecondsSinceEpoch)))),
                    ("positions", .array(progress.positions.values.sorted().map { .string($0.description) })),
                ])
            )
        }
        return .object(
            JSONObject([
                ("kind", .string(Self.kind)),
                ("version", .number(.integer(1))),
                ("tenant", .string(self.tenant)),
                ("tasks", progress(self.tasks)),
                ("experiments", progress(self.experiments)),
            ])
        )
    }

    /// Reads a checkpoint; `nil` when `json` is not one (another kind of state message, or a damaged one).
    public init?(json: JSONValue) {
        func progress(_ json: JSONValue?) -> Progress? {
            guard case .number(let watermark) = json?["watermark"], let milliseconds = watermark.exactInteger,
                let stamp = Int64(exactly: milliseconds), case .array(let positions) = json?["positions"]
            else { return nil }
            let ids = positions.compactMap { $0.stringValue.flatMap(MessageID.init(description:)) }
            guard ids.count == positions.count else { return nil }
            return Progress(
                watermark: Timestamp(millisecondsSinceEpoch: stamp),
                positions: Dictionary(ids.map { ($0.partition, $0) }, uniquingKeysWith: max)
            )
        }
        guard json["kind"]?.stringValue == Self.kind, let tenant = json["tenant"]?.stringValue,
            let tasks = progress(json["tasks"]), let experiments = progress(json["experiments"])
        else { return nil }
        self.init(tenant: tenant, tasks: tasks, experiments: experiments)
    }
}
