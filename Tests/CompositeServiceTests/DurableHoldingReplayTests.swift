import CompositeCore
import CompositeService
import Foundation
import Testing

/// Semantics guarantees 5 and 6 through the real replay path: patients with several cycles months apart, under
/// restarts, duplicates, forgotten acknowledgements, re-publications with new ids and held messages carried forward,
/// give exactly the results of an undisturbed run without any of them.
@Suite struct DurableHoldingReplayTests {
    /// Per half: two halves, so that the two run side by side.
    static let scenarios = 1_000

    static func replay(_ messages: [FixtureMessage], patients: String, options: ReplayOptions) async throws
        -> ReplayReport
    {
        try await ReplayRunner.run(
            messages: messages,
            catalog: try ReplayComparison.catalog(ReplayComparison.composites),
            patients: try JSONLinesPatientDirectory(contents: patients, fileName: "patients.jsonl"),
            options: options
        )
    }

    static func options(restart: Int? = nil, duplicate: Int? = nil, forget: Int? = nil, seed: UInt64? = nil)
        -> ReplayOptions
    {
        var options = ReplayOptions(fixtures: [])
        options.composites = ReplayComparison.composites
        options.restartEvery = restart
        options.duplicateEvery = duplicate
        options.forgetEvery = forget
        options.interleaveSeed = seed
        // Longer than a scenario (three cycles 90 days apart): within the retention every return must be harmless.
        // Past it a returning message is an ordinary one again, by design (docs/operations.md).
        options.engine.proofRetention = 365 * 86_400_000
        return options
    }

    /// What every scenario is compared with, and what makes the comparison meaningful.
    @Test func scenariosHaveSeveralDecidedCyclesPerPatientAndCopiesToRecognise() async throws {
        var results = 0
        var errors = 0
        var copies = 0
        for seed in UInt64(0)..<50 {
            let stream = CycleStream(seed: seed)
            let report = try await Self.replay(stream.messages, patients: stream.patientFile, options: Self.options())
            results += report.results
            errors += report.errorResults
            copies += stream.withCopies.count - stream.messages.count
            #expect(report.pendingComposites == 0 && report.unacknowledged == 0)
        }
        #expect(results > 200 && errors > 50 && copies > 300)
    }

    @Test(arguments: [0, 1])
    func restartsDuplicatesForgottenAcknowledgementsAndRepublicationsChangeNothing(half: Int) async throws {
        var failures = 0
        var carried = 0
        for index in UInt64(half * Self.scenarios)..<UInt64((half + 1) * Self.scenarios) {
            let seed = index &* 0x9E37_79B9_7F4A_7C15
            let stream = CycleStream(seed: seed)
            let expected = ReplayComparison.distinct(
                try await Self.replay(stream.messages, patients: stream.patientFile, options: Self.options()).records
            )
            let restart = 3 + Int(index % 11)
            var options = Self.options(
                restart: restart,
                duplicate: 2 + Int(index % 5),
                forget: 1 + Int(index % 4),
                seed: seed
            )
            // Carrying (guarantee 6) on most scenarios: a bound of 1 to 6 held messages per topic, and a carry age
            // of a day of event time on every other one, so copies are carried again.
            if index % 8 != 0 { options.engine.maxHeldPerTopic = 1 + Int(index % 6) }
            if index % 2 == 1 { options.engine.carryAge = 86_400_000 }
            let report = try await Self.replay(stream.withCopies, patients: stream.patientFile, options: options)
            carried += report.messagesCarried
            let actual = ReplayComparison.distinct(report.records)
            if actual != expected {
                failures += 1
                if failures <= 3 {
                    Issue.record(
                        "seed \(seed) (restart \(restart)): \(ReplayComparison.difference(actual, expected))"
                    )
                }
            }
            ReplayComparison.expectNoDifferingDuplicates(report.records)
        }
        #expect(failures == 0, "\(failures) of \(Self.scenarios) scenarios differ")
        #expect(carried > 10_000, "carrying must really happen for this to prove guarantee 6 (\(carried) copies)")
    }
}
