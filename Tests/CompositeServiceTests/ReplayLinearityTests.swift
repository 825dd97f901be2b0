import CompositeCore
import CompositeService
import Foundation
import Testing

/// Replay's cost grows linearly with its input (issue 14: it was quadratic, every append copying the whole topic).
/// Not a speed test: the verdict is the ratio of two sizes within one run, so the machine's speed and load cancel
/// out. Sizes alternate and the fastest of three runs of each counts, so a burst of load on one run does not decide.
@Suite struct ReplayLinearityTests {
    static func seconds(_ messages: [FixtureMessage], patients: String) async throws -> Double {
        var options = ReplayOptions(fixtures: [])
        options.composites = ReplayComparison.composites
        let catalog = try ReplayComparison.catalog(ReplayComparison.composites)
        let directory = try JSONLinesPatientDirectory(contents: patients, fileName: "patients.jsonl")
        let clock = ContinuousClock()
        let start = clock.now
        let report = try await ReplayRunner.run(
            messages: messages,
            catalog: catalog,
            patients: directory,
            options: options
        )
        let elapsed = clock.now - start
        #expect(report.results + report.errorResults > 0)
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    @Test func fourTimesTheInputTakesAboutFourTimesAsLong() async throws {
        let small = GeneratedStream.make(patients: 300, seed: 7)
        let large = GeneratedStream.make(patients: 1_200, seed: 7)
        var smallest = Double.infinity
        var largest = Double.infinity
        for _ in 0..<3 {
            smallest = min(smallest, try await Self.seconds(small.messages, patients: small.patientFile))
            largest = min(largest, try await Self.seconds(large.messages, patients: large.patientFile))
        }
        let sizeRatio = Double(large.messages.count) / Double(small.messages.count)
        let timeRatio = largest / smallest
        // Linear gives about 4; quadratic about 16. The bound sits between, far from both.
        #expect(
            timeRatio < 2.25 * sizeRatio,
            "replay of \(large.messages.count) messages took \(largest) s, of \(small.messages.count) took \(smallest) s: ratio \(timeRatio) for \(sizeRatio)x the input"
        )
    }
}
