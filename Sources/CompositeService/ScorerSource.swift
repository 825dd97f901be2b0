public import CompositeCore
import CompositeScoring
import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization
import UnixSignals

/// The current scorers, reloaded from the composites folder on SIGHUP or when its files change, with the same
/// validation as at start-up: a refused file is logged and the valid ones are used.
public final class ScorerSource: Service {
    private let state: Mutex<(catalog: ScorerCatalog, generation: Int, fingerprint: String)>
    let directory: String
    let metrics: ServiceMetrics
    let logger: Logger
    /// How often the folder is checked for changes.
    static let pollInterval = Duration.seconds(2)

    /// Loads the folder once; throws only when the folder itself cannot be read.
    public init(directory: String, metrics: ServiceMetrics, logger: Logger) throws {
        self.directory = directory
        self.metrics = metrics
        self.logger = logger
        let catalog = try Self.load(directory, metrics: metrics, logger: logger)
        self.state = Mutex((catalog, 0, Self.fingerprint(directory)))
    }

    public var catalog: ScorerCatalog { self.state.withLock { $0.catalog } }
    /// Increases on every reload.
    public var generation: Int { self.state.withLock { $0.generation } }

    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in signals.cancelOnGracefulShutdown() {
                    self.logger.info("SIGHUP: reloading scorers")
                    self.reload()
                }
            }
            group.addTask {
                while !Task.isShuttingDownGracefully {
                    try await Task.sleep(for: Self.pollInterval)
                    if Self.fingerprint(self.directory) != self.state.withLock({ $0.fingerprint }) {
                        self.logger.info("composites folder changed: reloading scorers")
                        self.reload()
                    }
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    public func reload() {
        do {
            let catalog = try Self.load(self.directory, metrics: self.metrics, logger: self.logger)
            let fingerprint = Self.fingerprint(self.directory)
            self.state.withLock { $0 = (catalog, $0.generation + 1, fingerprint) }
        } catch {
            self.logger.error("scorer reload failed; keeping the loaded scorers", metadata: ["error": "\(error)"])
        }
    }

    static func load(_ directory: String, metrics: ServiceMetrics, logger: Logger) throws -> ScorerCatalog {
        let (registry, errors) = try ScorerDirectory.load(directory)
        for error in errors { logger.error("scorer refused", metadata: ["error": "\(error)"]) }
        for scorer in registry.scorers {
            logger.info(
                "scorer loaded",
                metadata: [
                    "featureId": "\(scorer.featureId)", "version": "\(scorer.identity.version)",
                    "hash": "\(scorer.identity.contentHash)", "file": "\(scorer.fileName)",
                ]
            )
        }
        metrics.scorers(loaded: registry.scorers.count, errors: errors.count)
        return ScorerCatalog(registry.scorers.map { $0 as any CompositeScorer })
    }

    /// Names, sizes and modification times of the folder's scorer files.
    public static func fingerprint(_ directory: String) -> String {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { ScorerDirectory.extensions.contains(($0 as NSString).pathExtension.lowercased()) }
            .sorted()
            .map { name in
                let attributes = try? FileManager.default.attributesOfItem(
                    atPath: (directory as NSString).appendingPathComponent(name)
                )
                let size = (attributes?[.size] as? NSNumber)?.intValue ?? -1
                let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
                return "\(name):\(size):\(modified)"
            }
            .joined(separator: "|")
    }
}
