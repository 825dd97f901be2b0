public import CompositeCore
import Foundation
import Prometheus
import Synchronization

/// The service's Prometheus metrics, and the engine state they were last updated from (for `/pending`).
public final class ServiceMetrics: Sendable {
    // Descriptors are computed: the library's descriptor type is not Sendable, so it cannot be a static constant.
    static var messagesConsumed: MetricNameDescriptor {
        Self.descriptor("messages_consumed", "total", "Messages consumed, by tenant and topic.")
    }
    static var results: MetricNameDescriptor {
        Self.descriptor("results", "total", "Composite results published, by featureId and outcome.")
    }
    static var deadLetters: MetricNameDescriptor {
        Self.descriptor("dead_letters", "total", "Messages dead-lettered, by dead-letter topic.")
    }
    static var engineRebuilds: MetricNameDescriptor {
        Self.descriptor(
            "engine_rebuilds",
            "total",
            "Engine state dropped and rebuilt from redelivery, by reason (assignment_changed, out_of_order)."
        )
    }
    static var pendingComposites: MetricNameDescriptor {
        Self.descriptor("pending_composites", "", "Composites not yet decided.")
    }
    static var unacknowledgedMessages: MetricNameDescriptor {
        Self.descriptor("unacknowledged_messages", "", "Messages received and not yet acknowledged.")
    }
    static var heldMessages: MetricNameDescriptor {
        Self.descriptor(
            "held_messages",
            "",
            "Unacknowledged messages by reason: held by a composite, waiting on a watermark, a decision proof, a "
                + "watermark checkpoint, or carried (held messages whose copy on the state topic stands for them)."
        )
    }
    static var acknowledgementHoles: MetricNameDescriptor {
        Self.descriptor(
            "acknowledgement_holes",
            "",
            "Upper bound on the acknowledgement holes left on an input topic: the messages held there (carrying keeps "
                + "it under MAX_HELD_PER_TOPIC)."
        )
    }
    static var messagesCarried: MetricNameDescriptor {
        Self.descriptor(
            "messages_carried",
            "total",
            "Held messages carried forward to the state topic (copies stored)."
        )
    }
    static var lastCheckpoint: MetricNameDescriptor {
        Self.descriptor(
            "last_checkpoint",
            "timestamp_seconds",
            "Wall-clock time the last watermark checkpoint was stored (its age: time() minus this)."
        )
    }
    static var oldestPendingAge: MetricNameDescriptor {
        Self.descriptor(
            "oldest_pending_age",
            "seconds",
            "Age of the oldest pending composite (wall clock minus its publish time)."
        )
    }
    static var watermarkLag: MetricNameDescriptor {
        Self.descriptor("watermark_lag", "seconds", "Wall clock minus the topic watermark.")
    }
    static var scorersLoaded: MetricNameDescriptor {
        Self.descriptor("scorers_loaded", "", "Scorer files loaded.")
    }
    static var scorerLoadErrors: MetricNameDescriptor {
        Self.descriptor("scorer_load_errors", "", "Scorer files refused at the last (re)load.")
    }

    static func descriptor(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "composite", metricName: name, unitName: unit, helpText: help)
    }

    public let registry = PrometheusCollectorRegistry()
    private let snapshot = Mutex<ServiceSnapshot>(ServiceSnapshot())
    /// Input topics that had holes, so that one that no longer holds anything reads 0.
    private let topicsWithHoles = Mutex<Set<String>>([])

    public init() {}

    public func consumed(topic: String) {
        guard let parsed = TenantTopic(topic) else { return }
        self.registry.makeCounter(
            descriptor: Self.messagesConsumed,
            labels: [("tenant", parsed.kraneTenant), ("topic", parsed.kind.rawValue)]
        ).increment()
    }

    public func published(_ publication: Publication) {
        switch publication.kind {
        case .result(let featureId, let isError):
            self.registry.makeCounter(
                descriptor: Self.results,
                labels: [("featureId", featureId), ("outcome", isError ? "error" : "success")]
            ).increment()
        case .deadLetter:
            self.registry.makeCounter(descriptor: Self.deadLetters, labels: [("topic", publication.topic)])
                .increment()
        case .proof:
            break
        case .checkpoint:
            self.registry.makeGauge(descriptor: Self.lastCheckpoint).set(Date().timeIntervalSince1970)
        case .carry:
            self.registry.makeCounter(descriptor: Self.messagesCarried).increment()
        }
    }

    public func rebuilt(reason: String) {
        self.registry.makeCounter(descriptor: Self.engineRebuilds, labels: [("reason", reason)]).increment()
    }

    /// Updates the gauges from the engine's state; `now` is the wall clock.
    public func update(
        statistics: EngineStatistics,
        watermarks: [(topic: String, watermark: Timestamp)],
        pending: [PendingCompositeSummary],
        now: Timestamp
    ) {
        self.registry.makeGauge(descriptor: Self.pendingComposites).set(Double(statistics.pendingComposites))
        self.registry.makeGauge(descriptor: Self.unacknowledgedMessages).set(Double(statistics.unacknowledgedMessages))
        self.registry.makeGauge(descriptor: Self.heldMessages, labels: [("reason", "composite")])
            .set(Double(statistics.messagesHeldByComposites))
        self.registry.makeGauge(descriptor: Self.heldMessages, labels: [("reason", "watermark")])
            .set(Double(statistics.messagesWaitingOnWatermark))
        self.registry.makeGauge(descriptor: Self.heldMessages, labels: [("reason", "proof")])
            .set(Double(statistics.proofsHeld))
        self.registry.makeGauge(descriptor: Self.heldMessages, labels: [("reason", "checkpoint")])
            .set(Double(statistics.checkpointsHeld))
        self.registry.makeGauge(descriptor: Self.heldMessages, labels: [("reason", "carried")])
            .set(Double(statistics.carriedMessagesHeld))
        let holeTopics = self.topicsWithHoles.withLock { known in
            known.formUnion(statistics.heldPerInputTopic.keys)
            return known
        }
        for topic in holeTopics {
            self.registry.makeGauge(descriptor: Self.acknowledgementHoles, labels: [("topic", topic)])
                .set(Double(statistics.heldPerInputTopic[topic, default: 0]))
        }
        let oldest = statistics.oldestPendingSince.map {
            Double(now.millisecondsSinceEpoch - $0.millisecondsSinceEpoch) / 1_000
        }
        self.registry.makeGauge(descriptor: Self.oldestPendingAge).set(max(0, oldest ?? 0))
        for (topic, watermark) in watermarks where watermark != .distantPast && watermark != .distantFuture {
            self.registry.makeGauge(descriptor: Self.watermarkLag, labels: [("topic", topic)])
                .set(Double(now.millisecondsSinceEpoch - watermark.millisecondsSinceEpoch) / 1_000)
        }
        self.snapshot.withLock { $0 = ServiceSnapshot(statistics: statistics, pending: pending) }
    }

    public func scorers(loaded: Int, errors: Int) {
        self.registry.makeGauge(descriptor: Self.scorersLoaded).set(Double(loaded))
        self.registry.makeGauge(descriptor: Self.scorerLoadErrors).set(Double(errors))
    }

    /// The last state the processor reported, for `/pending`.
    public var latest: ServiceSnapshot { self.snapshot.withLock { $0 } }

    /// The Prometheus text exposition.
    public func exposition() -> String { self.registry.emitToString() }
}

/// What the processor last reported about the engine.
public struct ServiceSnapshot: Sendable {
    public var statistics: EngineStatistics?
    public var pending: [PendingCompositeSummary] = []
}
