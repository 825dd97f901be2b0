import ArgumentParser
import CompositeFederation

/// `composite-service federation keygen`: creates a node's key file and prints its public keys.
struct FederationKeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Create a node's key file (Ed25519 + X25519, mode 0600) and print its participant entry.",
        discussion: "The private keys are written only to the file; the output shows the public keys alone."
    )

    @Option(help: "The node's name.")
    var node: String

    @Option(help: "The node's role in the printed entry: aggregator or default.")
    var role = "default"

    @Option(help: "Where to write the key file (it must not exist).")
    var output: String

    func run() throws {
        guard let role = FederationConfiguration.Role(rawValue: self.role) else {
            printError("error: --role must be aggregator or default")
            throw ExitCode(2)
        }
        let keys = NodePrivateKeys.generate()
        do { try KeyFile.write(node: self.node, keys: keys, to: self.output) } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        printError("wrote \(self.output); add this entry under participants: in every node's configuration")
        print(KeyFile.participantEntry(node: self.node, role: role, keys: keys.publicKeys), terminator: "")
    }
}
