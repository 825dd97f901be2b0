import ArgumentParser
import CompositeCore
import CompositeEmbeddedBroker
import CompositeService
import Foundation

/// `composite-service publish`: feeds JSON Lines fixtures (or stdin) into the embedded broker.
struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish fixture messages (JSON Lines, as replay reads them) into the embedded broker."
    )

    @Argument(help: "Fixture files; - or none reads standard input.")
    var files: [String] = []

    @OptionGroup var broker: EmbeddedBrokerOptions

    @Flag(help: "Stamp messages with the wall clock instead of their fixture publish times.")
    var now = false

    func run() async throws {
        var messages: [FixtureMessage] = []
        do {
            for file in self.files.isEmpty ? ["-"] : self.files {
                let contents: String
                if file == "-" {
                    contents = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                } else {
                    contents = try TextFile.read(file)
                }
                messages += try FixtureReader.read(
                    contents: contents,
                    fileName: file == "-" ? "stdin" : file,
                    previousTime: messages.last?.publishTime
                )
            }
        } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        if self.now {
            messages = messages.map {
                var copy = $0;
                copy.publishTime = Timestamp(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1_000));
                return copy
            }
        }
        let broker = try self.broker.open()
        let total = messages.count
        let interactive = isatty(STDERR_FILENO) == 1
        try await ServiceRunner.publish(messages, to: broker) { done in
            let width = 30
            let filled = total == 0 ? width : done * width / total
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            let line = "published \(done)/\(total) [\(bar)]"
            if interactive {
                FileHandle.standardError.write(Data("\r\(line)".utf8))
            } else if done == total {
                printError(line)
            }
        }
        if interactive { printError("") }
    }
}
