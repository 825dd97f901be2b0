import CompositeCore
import Foundation
import FuzzSupport
import Testing

/// Seeded mutation fuzzing of the JSON parser and the event decoder: mutated events and conformance documents never
/// crash them, and every outcome is a value or an error that says why. Bounded so each seed runs in a few seconds in
/// a debug build; a failure names the seed and iteration, which replay it exactly.
@Suite struct JSONFuzzTests {
    static let tasks = TenantTopic("krane/tasks/orikami-events")!
    static let experiments = TenantTopic("krane/experiments/orikami-events")!
    static let iterations = 20_000

    /// Valid events of every kind the decoder reads, and the corpus's valid documents.
    static let seeds: [[UInt8]] = {
        let events = [
            #"{"name":"FutureTaskCreated","version":"v2","tenant":"orikami","data":{"experimentType":"composite","featureId":"IMWGFrailty","resultId":null,"patientId":"6527a81258139c1e1494c4bc","projectId":null,"occurrenceId":1,"startAt":"2023-10-13T08:51:55.206Z","endAt":"2023-10-13T08:51:55.206Z"}}"#,
            #"{"name":"TaskCompleted","version":"v2","tenant":"orikami","data":{"occurrenceId":"2","resultId":"6529052bed80223630597ae0"}}"#,
            #"{"name":"TaskNextOccurrenceExpired","version":"v2","tenant":"orikami","data":{"occurrenceId":1,"expiredAt":"2023-10-13T08:51:55.206Z"}}"#,
            #"{"name":"QuestionnaireScoreGenerated","version":"v2","tenant":"orikami","data":{"resultId":"r","score":5.5e0,"interpretation":"F\u00e9\ud83d\ude00"}}"#,
            #"{"name":"CompositeScoreGenerated","version":"v2","tenant":"orikami","data":{"resultId":"r","occurrenceId":1,"components":[{"occurrenceId":2,"resultId":"a"}],"score":-0,"error":null}}"#,
        ].map { Array($0.utf8) }
        let corpus = JSONConformanceTests.files("y_").compactMap { try? JSONConformanceTests.bytes($0) }
        return events + corpus
    }()

    @Test(arguments: [1, 2, 3] as [UInt64])
    func mutatedDocumentsParseOrFailWithAnOffsetAndRoundTripWhenTheyParse(seed: UInt64) async {
        #expect(Self.seeds.count > 90)
        var mutator = SeededMutator(seed: seed)
        for iteration in 0..<Self.iterations {
            // A long synchronous loop would hold one of the few cooperative threads every other test needs.
            if iteration % 256 == 0 { await Task.yield() }
            let input = mutator.mutate(Self.seeds[mutator.index(below: Self.seeds.count)], splicingFrom: Self.seeds)
            let note: Comment = "seed \(seed), iteration \(iteration): \(Self.show(input))"
            do {
                let value = try JSONParser.parse(input, duplicateKeys: .kept)
                // Whatever parses is written back as JSON that parses to the same value.
                let rewritten = try JSONParser.parse(JSONWriter.encode(value), duplicateKeys: .kept)
                #expect(rewritten.canonical == value.canonical, note)
            } catch {
                #expect((0...input.count).contains(error.offset) && !error.message.isEmpty, note)
            }
        }
    }

    @Test(arguments: [4, 5, 6] as [UInt64])
    func mutatedEventsDecodeOrBecomeDeadLettersWithAReason(seed: UInt64) async {
        var mutator = SeededMutator(seed: seed)
        let events = Array(Self.seeds.prefix(5))
        for iteration in 0..<Self.iterations {
            // A long synchronous loop would hold one of the few cooperative threads every other test needs.
            if iteration % 256 == 0 { await Task.yield() }
            let input = mutator.mutate(events[mutator.index(below: events.count)], splicingFrom: events)
            let note: Comment = "seed \(seed), iteration \(iteration): \(Self.show(input))"
            let parses = (try? JSONParser.parse(input)) != nil
            for topic in [Self.tasks, Self.experiments] {
                switch EventDecoder.decode(input, on: topic) {
                case .success:
                    #expect(parses, "an event was decoded from a document the parser refuses; \(note)")
                case .failure(let reason):
                    #expect(!reason.message.isEmpty, note)
                }
            }
        }
    }

    /// The input as text for a failure message, invalid UTF-8 repaired.
    static func show(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.prefix(300), as: UTF8.self)
    }
}
