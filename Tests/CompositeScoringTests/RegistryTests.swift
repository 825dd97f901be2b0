import CompositeCore
import CompositeScoring
import Testing

@Suite("ScorerRegistry keeps the valid scorers and reports the refused files")
struct RegistryTests {
    @Test func oneBadFileAmongGoodOnes() throws {
        let imwg = try TestSupport.composite("imwg-frailty.yaml")
        let bad = TestSupport.base(replacing: [3: "featureId: Broken", 10: "    typ: integer"])
        let (registry, errors) = ScorerRegistry.load([
            (fileName: "test-score.yaml", source: TestSupport.base),
            (fileName: "broken.yaml", source: bad),
            (fileName: "imwg-frailty.yaml", source: imwg),
        ])
        #expect(registry.scorers.map(\.featureId) == ["IMWGFrailty", "TestScore"])
        #expect(registry.scorer(forFeature: "IMWGFrailty")?.fileName == "imwg-frailty.yaml")
        #expect(registry.scorer(forFeature: "Broken") == nil)
        #expect(errors.count == 1)
        #expect(errors.first?.file == "broken.yaml")
        #expect(errors.first?.line == 10)
        #expect(errors.first?.field == "inputs[0].typ")
        #expect(registry.componentFeatures == ["Katz-ADL", "Lawton-IADL", "CCI", "A"])
    }

    @Test func aDuplicateFeatureIdKeepsTheFirstFileByName() throws {
        let (registry, errors) = ScorerRegistry.load([
            (fileName: "b-second.yaml", source: TestSupport.base(replacing: [2: "id: second"])),
            (fileName: "a-first.yaml", source: TestSupport.base(replacing: [2: "id: first"])),
        ])
        #expect(registry.scorers.count == 1)
        #expect(registry.scorer(forFeature: "TestScore")?.identity.id == "first")
        #expect(
            errors == [
                ScorerLoadError(
                    file: "b-second.yaml",
                    line: 3,
                    field: "featureId",
                    message: "TestScore is already scored by a-first.yaml; only the first file by name is used, "
                        + "so b-second.yaml is refused"
                )
            ]
        )
    }

    @Test func errorsComeInFileNameOrder() {
        let (registry, errors) = ScorerRegistry.load([
            (fileName: "z.yaml", source: "format: ["),
            (fileName: "m.yaml", source: ""),
            (fileName: "a.yaml", source: "format: composite-scorer/1\n"),
        ])
        #expect(registry.scorers.isEmpty)
        #expect(errors.map(\.file) == ["a.yaml", "m.yaml", "z.yaml"])
        #expect(errors[0].field == "id")
    }

    @Test func anEmptyRegistry() {
        let registry = ScorerRegistry()
        #expect(registry.scorers.isEmpty)
        #expect(registry.componentFeatures.isEmpty)
        #expect(registry.scorer(forFeature: "IMWGFrailty") == nil)
        #expect(ScorerRegistry.load([]).errors.isEmpty)
    }
}
