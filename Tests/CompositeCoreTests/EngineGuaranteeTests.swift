import CompositeCore
import Testing

/// The four guarantees of contract `semantics.md`, checked on generated multi-tenant, multi-patient scenarios against an
/// uninterrupted run in publish order.
@Suite struct EngineGuaranteeTests {
    static let configuration = EngineConfiguration(
        lateness: 300_000,
        claimWindow: 1_000_000,
        subscription: "composite-service"
    )
    static let scenarios = 600

    /// Scenario seeds: fixed, so a CI failure reproduces exactly; spread over the 64-bit space.
    static func seeds(salt: UInt64) -> [UInt64] {
        (0..<UInt64(Self.scenarios)).map { ($0 &+ salt) &* 0x9E37_79B9_7F4A_7C15 }
    }

    func reference(_ seed: UInt64) -> (simulation: BrokerSimulation, outcome: BrokerSimulation.Outcome) {
        var simulation = BrokerSimulation(ScenarioGenerator.make(seed: seed))
        let outcome = simulation.run(configuration: Self.configuration, chaos: .init(), seed: seed)
        return (simulation, outcome)
    }

    /// As ``configuration``, carrying held messages forward almost at once: at most 3 per topic, 10 minutes of
    /// event time (scenarios span about 80 minutes).
    static var carrying: EngineConfiguration {
        var configuration = Self.configuration
        configuration.maxHeldPerTopic = 3
        configuration.carryAge = 600_000
        return configuration
    }

    @discardableResult
    func check(
        seed: UInt64,
        chaos: BrokerSimulation.Chaos,
        configuration: EngineConfiguration = Self.configuration
    ) -> BrokerSimulation.Outcome {
        let (_, expected) = self.reference(seed)
        var simulation = BrokerSimulation(ScenarioGenerator.make(seed: seed))
        let actual = simulation.run(configuration: configuration, chaos: chaos, seed: seed &+ 1)

        // 1 + 2. Determinism and restart safety: the same set of results.
        let text = { (results: [[UInt8]]) in Set(results.map { String(decoding: $0, as: UTF8.self) }) }
        #expect(text(actual.results) == text(expected.results), "seed \(seed): result sets differ")
        #expect(
            expected.results.count == Set(expected.results).count,
            "seed \(seed): uninterrupted run repeated a result"
        )
        // A result is published twice only when a crash fell between its publication and its acknowledgements.
        var seen: Set<[UInt8]> = []
        for result in actual.results where !seen.insert(result).inserted {
            #expect(actual.interruptedResults.contains(result), "seed \(seed): result repeated without a crash")
        }
        // 3. Nothing lost: no message a result settled is acknowledged before that result was published.
        for (payload, contributors) in expected.contributors {
            guard let published = actual.publishedAt[payload] else { continue }
            for message in contributors {
                if let acknowledged = actual.acknowledgedAt[message] {
                    #expect(acknowledged > published, "seed \(seed): \(message) acknowledged before its result")
                }
            }
        }
        // 4. Bounded holding: at the end only messages held by pending composites are unacknowledged, the same ones;
        // on the state topics, exactly the proofs the engine holds (kept past the end of input, see releaseProof).
        #expect(actual.unacknowledgedAtEnd == expected.unacknowledgedAtEnd, "seed \(seed): held messages differ")
        #expect(
            actual.unacknowledgedProofsAtEnd == actual.proofsHeldAtEnd + actual.checkpointsHeldAtEnd,
            "seed \(seed): proofs and checkpoints on the broker"
        )
        #expect(actual.checkpointsHeldAtEnd <= 2, "seed \(seed): at most one checkpoint per tenant")
        #expect(actual.proofsHeldAtEnd == expected.proofsHeldAtEnd, "seed \(seed): proofs held differ")
        #expect(actual.engineUnacknowledgedAtEnd == actual.unacknowledgedAtEnd)
        #expect(actual.originalsBesideCopiesAtEnd == 0, "seed \(seed): an original left unacknowledged beside its copy")
        #expect(actual.heldByCompositesAtEnd == actual.unacknowledgedAtEnd.count)
        #expect(actual.pendingAtEnd == expected.pendingAtEnd)
        return actual
    }

    @Test func generatedScenariosExerciseEveryOutcome() async {
        var results = 0
        var errors = 0
        var deadLetters = 0
        for seed in UInt64(0)..<200 {
            await Task.yield()
            let (simulation, outcome) = self.reference(seed)
            for payload in outcome.results {
                let json = try? JSONParser.parse(payload)
                if json?["data"]?["error"]?.isNull == true { results += 1 } else { errors += 1 }
            }
            deadLetters += simulation.topics.filter { $0.key.hasSuffix("-DLQ") }.map(\.value.count).reduce(0, +)
            #expect(outcome.unacknowledgedAtEnd.count == outcome.heldByCompositesAtEnd)
        }
        // The generator must produce successes, failures and dead letters, or the properties prove little.
        #expect(results > 100)
        #expect(errors > 100)
        #expect(deadLetters > 20)
    }

    @Test func resultsDoNotDependOnHowTheTopicsInterleave() async {
        for seed in Self.seeds(salt: 10_000) {
            await Task.yield()
            self.check(seed: seed, chaos: .init(interleaveRandomly: true))
        }
    }

    @Test func resultsSurviveCrashesAtAnyPointWithRedelivery() async {
        var checkpointsApplied = 0
        for seed in Self.seeds(salt: 20_000) {
            await Task.yield()
            checkpointsApplied +=
                self.check(
                    seed: seed,
                    chaos: .init(interleaveRandomly: true, crashProbability: 0.03, checkpointProbability: 0.2)
                ).checkpointsApplied
        }
        // Checkpoints read back after crashes must really be applied, or they prove nothing here.
        #expect(checkpointsApplied > 100)
    }

    @Test func resultsSurviveDuplicatedDeliveries() async {
        for seed in Self.seeds(salt: 30_000) {
            await Task.yield()
            self.check(seed: seed, chaos: .init(interleaveRandomly: true, duplicateProbability: 0.2))
        }
    }

    @Test func resultsSurviveHeavyChaos() async {
        for seed in Self.seeds(salt: 50_000).prefix(300) {
            await Task.yield()
            self.check(
                seed: seed,
                chaos: .init(
                    interleaveRandomly: true,
                    crashProbability: 0.1,
                    duplicateProbability: 0.3,
                    checkpointProbability: 0.3
                )
            )
        }
    }

    /// Found by scanning 20,000 seeds: a crash between publishing a result and its acknowledgements, then the result
    /// read back before the rest of its composite, once let another composite claim one of its tasks.
    @Test func aResultReadBackBeforeItsCompositesTasksKeepsThemFromOtherComposites() async {
        self.check(
            seed: 1_749_651_575_208_572_838,
            chaos: .init(interleaveRandomly: true, crashProbability: 0.02, duplicateProbability: 0.1)
        )
    }

    /// Guarantee 6 under every kind of chaos: held messages carried forward (by the bound and by age, and copies
    /// carried again) give exactly the results and held messages of an undisturbed run, and the input topics' holes
    /// stay at the bound.
    @Test func resultsSurviveCarryingWithCrashesDuplicatesAndCheckpoints() async {
        var carried = 0
        var copiesAtEnd = 0
        var maximumHoles = 0
        for seed in Self.seeds(salt: 60_000) {
            await Task.yield()
            let outcome = self.check(
                seed: seed,
                chaos: .init(
                    interleaveRandomly: true,
                    crashProbability: 0.03,
                    duplicateProbability: 0.1,
                    checkpointProbability: 0.2,
                    carryProbability: 0.3
                ),
                configuration: Self.carrying
            )
            carried += outcome.messagesCarried
            copiesAtEnd += outcome.copiesAtEnd
            maximumHoles = max(maximumHoles, outcome.maximumHoles)
            // Two tenants, each with a tasks and an experiments topic: each keeps its own bound.
            #expect(outcome.maximumHoles <= Self.carrying.maxHeldPerTopic, "seed \(seed): holes past the bound")
        }
        // Carrying must really happen, crash recovery must really meet copies, or this proves little.
        #expect(carried > 1_000)
        #expect(copiesAtEnd > 100)
        #expect(maximumHoles == Self.carrying.maxHeldPerTopic)
    }

    /// The service's group commit: several deliveries reach the engine before the effects of the first run, so
    /// messages arrive while results, proofs, copies and checkpoints are still in flight; with crashes, duplicates,
    /// checkpoints and carrying, half the seeds with the carrying bound at 3.
    @Test func resultsSurviveBatchedDeliveriesWithPublicationsInFlight() async {
        var batchedResults = 0
        for (index, seed) in Self.seeds(salt: 70_000).enumerated() {
            await Task.yield()
            let outcome = self.check(
                seed: seed,
                chaos: .init(
                    interleaveRandomly: true,
                    crashProbability: 0.02,
                    duplicateProbability: 0.1,
                    checkpointProbability: 0.1,
                    carryProbability: 0.2,
                    batchSize: 8
                ),
                configuration: index.isMultiple(of: 2) ? Self.carrying : Self.configuration
            )
            batchedResults += outcome.results.count
        }
        #expect(batchedResults > 1_000, "the scenarios must decide composites for this to prove anything")
    }

    @Test func resultsSurviveEverythingAtOnce() async {
        for seed in Self.seeds(salt: 40_000) {
            await Task.yield()
            self.check(
                seed: seed,
                chaos: .init(
                    interleaveRandomly: true,
                    crashProbability: 0.02,
                    duplicateProbability: 0.1,
                    checkpointProbability: 0.1
                )
            )
        }
    }
}
