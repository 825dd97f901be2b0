import ArgumentParser
import CompositeScoring
import CompositeService

/// `composite-service scorers`: tools for scientists writing scorer files.
struct ScorersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scorers",
        abstract: "Check and list composite scorer files.",
        subcommands: [Check.self, List.self]
    )

    /// `scorers check PATH`: validates one file or a folder and runs the worked examples.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate scorer files and run their worked examples; exit 1 if any file is refused."
        )

        @Argument(help: "A scorer file or a folder of them.")
        var path: String

        func run() throws {
            let loaded: (registry: ScorerRegistry, errors: [ScorerLoadError])
            do {
                loaded = try ScorerDirectory.load(self.path)
            } catch {
                printError("error: \(error)")
                throw ExitCode(2)
            }
            for scorer in loaded.registry.scorers {
                print("ok: \(scorer.fileName): \(scorer.featureId) \(scorer.identity.version)")
            }
            for error in loaded.errors { printError("scorer refused: \(error)") }
            if !loaded.errors.isEmpty { throw ExitCode(1) }
        }
    }

    /// `scorers list`: the registry the service would load.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the scorers the service would load.")

        @Option(help: "Folder of scorer files.")
        var composites: String = "composites"

        func run() throws {
            let loaded: (registry: ScorerRegistry, errors: [ScorerLoadError])
            do {
                loaded = try ScorerDirectory.load(self.composites)
            } catch {
                printError("error: \(error)")
                throw ExitCode(2)
            }
            print(["featureId", "version", "inputs", "hash", "file"].joined(separator: "\t"))
            for scorer in loaded.registry.scorers {
                let inputs = scorer.inputs.map { input in
                    switch input.source {
                    case .feature(let feature): "\(input.id)=\(feature)"
                    case .attribute(let attribute): "\(input.id)=@\(attribute)"
                    }
                }
                print(
                    [
                        scorer.featureId, scorer.identity.version, inputs.joined(separator: ","),
                        scorer.identity.contentHash, scorer.fileName,
                    ].joined(separator: "\t")
                )
            }
            for error in loaded.errors { printError("scorer refused: \(error)") }
        }
    }
}
