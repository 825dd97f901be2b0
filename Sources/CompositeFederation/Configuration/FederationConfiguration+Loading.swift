import Foundation

extension FederationConfiguration {
    /// The keys of a federation configuration file, for messages and documentation.
    static let fileKeys = [
        "node", "brokerTenant", "kraneTenants", "skewSeconds", "suppressionThreshold", "noiseEpsilon", "binning",
        "participants",
    ]

    /// Reads a federation configuration file (YAML; JSON is YAML too). See `docs/federation.md` for the keys.
    public static func load(path: String) throws(FederationError) -> FederationConfiguration {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw FederationError(.invalidConfiguration, file: path, "cannot be read")
        }
        return try Self.load(yaml: text, file: path)
    }

    /// Parses a federation configuration; errors name `file`, the line and the key.
    public static func load(yaml text: String, file: String) throws(FederationError) -> FederationConfiguration {
        let root = try ConfigurationNode.parse(text, file: file)
        let members = try root.members(allowed: Self.fileKeys)
        let node = try root.required("node", in: members).text()
        let participantsNode = try root.required("participants", in: members)
        var participants: [Participant] = []
        for (name, entry) in try participantsNode.members() {
            let fields = try entry.members(allowed: ["role", "signingKey", "agreementKey"])
            let role: Role
            if let roleNode = entry.member("role", in: fields) {
                guard let parsed = Role(rawValue: try roleNode.text()) else {
                    throw roleNode.error("expected aggregator or default")
                }
                role = parsed
            } else {
                role = .default
            }
            let signing = try entry.required("signingKey", in: fields)
            let agreement = try entry.required("agreementKey", in: fields)
            let keys: NodePublicKeys
            do {
                keys = try NodePublicKeys(signingBase64: try signing.text(), agreementBase64: try agreement.text())
            } catch {
                let culprit = error.key == "signingKey" ? signing : agreement
                throw culprit.error(error.message)
            }
            participants.append(Participant(name: name, role: role, keys: keys))
        }
        var configuration = FederationConfiguration(node: node, participants: participants)
        guard configuration.participant(node) != nil else {
            throw participantsNode.error("lists no entry for this node, \(node)")
        }
        guard configuration.participants.contains(where: { $0.role == .aggregator }) else {
            throw participantsNode.error("needs one participant with role: aggregator")
        }
        if let value = root.member("brokerTenant", in: members) { configuration.brokerTenant = try value.text() }
        if let value = root.member("kraneTenants", in: members) { configuration.kraneTenants = try value.strings() }
        if let value = root.member("skewSeconds", in: members) {
            configuration.skewSeconds = Int64(try value.integer(in: 1...86_400))
        }
        if let value = root.member("suppressionThreshold", in: members) {
            configuration.release.suppressionThreshold = try value.integer(in: 0...1_000_000)
        }
        if let value = root.member("noiseEpsilon", in: members), value.string != nil, value.string != "null" {
            let epsilon = try value.number()
            guard epsilon > 0 else { throw value.error("expected a positive number (or leave it out for no noise)") }
            configuration.release.noiseEpsilon = epsilon
        }
        if let value = root.member("binning", in: members) {
            let fields = try value.members(allowed: ["lower", "width", "count"])
            var binning = ScoreBinning()
            if let lower = value.member("lower", in: fields) { binning.lower = try lower.number() }
            if let width = value.member("width", in: fields) { binning.width = try width.number() }
            if let count = value.member("count", in: fields) { binning.count = try count.integer(in: 1...1_000) }
            do { try binning.validate() } catch { throw value.error(error.message) }
            configuration.binning = binning
        }
        return configuration
    }
}
