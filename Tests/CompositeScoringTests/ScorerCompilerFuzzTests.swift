import CompositeCore
import CompositeScoring
import FuzzSupport
import Testing

/// Seeded mutation fuzzing of the scorer compiler: mutated scorer files never crash the YAML reader, the compiler or
/// the worked examples it runs; each is either a scorer or a load error naming the file. What compiles also scores
/// without crashing. A failure names the seed and iteration, which replay it exactly.
@Suite struct ScorerCompilerFuzzTests {
    static let iterations = 1_500

    static let seeds: [[UInt8]] = [
        Array(((try? TestSupport.composite("imwg-frailty.yaml")) ?? "").utf8),
        Array(TestSupport.base.utf8),
    ]

    @Test(arguments: [1, 2, 3] as [UInt64])
    func mutatedScorerFilesCompileOrAreRefusedNamingTheFile(seed: UInt64) async {
        #expect(Self.seeds.allSatisfy { $0.count > 500 })
        var mutator = SeededMutator(seed: seed)
        var compiled = 0
        for iteration in 0..<Self.iterations {
            // A long synchronous loop would hold one of the few cooperative threads every other test needs.
            if iteration % 256 == 0 { await Task.yield() }
            let input = mutator.mutate(Self.seeds[mutator.index(below: Self.seeds.count)], splicingFrom: Self.seeds)
            let source = String(decoding: input, as: UTF8.self)
            let note: Comment = "seed \(seed), iteration \(iteration):\n\(source)"
            do {
                let scorer = try Scorer.compile(source: source, fileName: "fuzz.yaml")
                compiled += 1
                let features = Dictionary(
                    uniqueKeysWithValues: scorer.requiredFeatures.map { ($0, NumericValue?.some(.integer(3))) }
                )
                let attributes = Dictionary(
                    uniqueKeysWithValues: scorer.requiredAttributes.map { ($0, NumericValue.integer(70)) }
                )
                _ = scorer.score(features: features, attributes: attributes)
            } catch {
                #expect(error.file == "fuzz.yaml" && !error.message.isEmpty, note)
            }
        }
        // Most mutations break a file, but not all: the fuzzer also reaches the compiled scorer.
        #expect(compiled > 0)
    }
}
