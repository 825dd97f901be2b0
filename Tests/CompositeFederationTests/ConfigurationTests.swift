import CompositeFederation
import Foundation
import Testing

@Suite struct ConfigurationTests {
    let a = NodePrivateKeys.generate()
    let b = NodePrivateKeys.generate()

    func yaml(extra: String = "", bSigning: String? = nil) -> String {
        """
        node: site-a
        brokerTenant: krane-test
        kraneTenants: [hospital-a]
        skewSeconds: 120
        suppressionThreshold: 10
        noiseEpsilon: 0.5
        binning: {lower: 0, width: 0.5, count: 12}
        participants:
        \(KeyFile.participantEntry(node: "site-a", role: .aggregator, keys: self.a.publicKeys))\
          site-b:
            signingKey: \(bSigning ?? self.b.publicKeys.signingBase64)
            agreementKey: \(self.b.publicKeys.agreementBase64)
        \(extra)
        """
    }

    @Test func aFullConfigurationLoads() throws {
        let configuration = try FederationConfiguration.load(yaml: self.yaml(), file: "federation.yaml")
        #expect(configuration.node == "site-a" && configuration.role == .aggregator)
        #expect(configuration.others.map(\.name) == ["site-b"] && configuration.others[0].role == .default)
        #expect(configuration.participant("site-b")?.keys == self.b.publicKeys)
        #expect(configuration.skewSeconds == 120)
        #expect(configuration.release == ReleasePolicy(suppressionThreshold: 10, noiseEpsilon: 0.5))
        #expect(configuration.binning == ScoreBinning(lower: 0, width: 0.5, count: 12))
        #expect(configuration.inboxTopic(for: "site-b") == "persistent://krane-test/federation/site-b-inbox")
        #expect(configuration.experimentsTopics == ["persistent://krane-test/experiments/hospital-a-events"])
    }

    @Test func errorsNameFileLineAndKey() throws {
        #expect {
            try FederationConfiguration.load(yaml: self.yaml(bSigning: "bm90IGEga2V5"), file: "f.yaml")
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("f.yaml:14: participants.site-b.signingKey:") && text.contains("Ed25519")
        }
        #expect {
            try FederationConfiguration.load(yaml: self.yaml(extra: "skewSecond: 3"), file: "f.yaml")
        } throws: { "\($0)".hasPrefix("f.yaml:16: skewSecond: unknown key") }
        #expect {
            try FederationConfiguration.load(yaml: "node: x\nparticipants: {}\n", file: "f.yaml")
        } throws: { "\($0)".contains("participants: lists no entry for this node") }
        #expect {
            try FederationConfiguration.load(yaml: "node: [", file: "f.yaml")
        } throws: { "\($0)".hasPrefix("f.yaml:") }
    }

    @Test func aKeyFileNeverReplacesWhatIsAlreadyAtItsPath() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let existing = directory.appendingPathComponent("existing.key").path
        try "keep me\n".write(toFile: existing, atomically: false, encoding: .utf8)
        #expect(throws: FederationError.self) { try KeyFile.write(node: "site-a", keys: self.a, to: existing) }
        #expect(try String(contentsOfFile: existing, encoding: .utf8) == "keep me\n")
        // A link to nowhere is something too: the check-then-rename replaced it (and a link placed by another user
        // would have redirected the write). O_EXCL refuses it.
        let link = directory.appendingPathComponent("link.key").path
        let target = directory.appendingPathComponent("elsewhere.key").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let error = #expect(throws: FederationError.self) { try KeyFile.write(node: "site-a", keys: self.a, to: link) }
        #expect(error?.message == "already exists; not overwriting a key file")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == target)
        #expect(!FileManager.default.fileExists(atPath: target))
    }

    @Test func keyFilesRoundTripAndNeverEchoKeys() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("site-a.key").path
        try KeyFile.write(node: "site-a", keys: self.a, to: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let loaded = try KeyFile.load(path: path)
        #expect(loaded.node == "site-a" && loaded.keys.publicKeys == self.a.publicKeys)
        #expect(throws: FederationError.self) { try KeyFile.write(node: "site-a", keys: self.a, to: path) }
        #expect(!"\(self.a)".contains(KeyFile.text(node: "x", keys: self.a).split(separator: " ")[2].prefix(20)))
        let secret = "c2VjcmV0LWJ1dC10b28tc2hvcnQ="
        #expect {
            try KeyFile.parse("node: a\nsigningKey: \(secret)\nagreementKey: \(secret)\n", file: "k.yaml")
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("k.yaml:2: signingKey:") && !text.contains(secret)
        }
    }
}
