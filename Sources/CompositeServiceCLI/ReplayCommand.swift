import ArgumentParser
import CompositeCore
import CompositeScoring
import CompositeService
import Foundation

/// `composite-service replay`: runs fixture streams through the real engine offline (contract `replay.md`).
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay JSON Lines fixture streams through the engine and print what the service publishes."
    )

    @Argument(help: "Fixture files (JSON Lines), read in order.")
    var fixtures: [String]

    @Option(help: "Patient directory file (JSON Lines: tenant, patientId, birthDate).")
    var patients: String?

    @Option(help: "Folder of scorer files.")
    var composites: String = "composites"

    @Option(help: "Compare the published messages with this file (as a multiset); exit 1 on difference.")
    var expect: String?

    @Option(help: "Write the published messages here instead of stdout.")
    var output: String?

    @Option(help: "Re-interleave the topics randomly (each topic's order kept) from this seed.")
    var interleave: UInt64?

    @Option(
        name: .customLong("restart-every"),
        help: "Drop all engine state every N new deliveries and redeliver what is unacknowledged."
    )
    var restartEvery: Int?

    @Option(name: .customLong("duplicate-every"), help: "Deliver every Nth message twice.")
    var duplicateEvery: Int?

    @Option(
        name: .customLong("forget-every"),
        help: "With --restart-every: at each restart the broker forgets every Nth acknowledgement recorded so far."
    )
    var forgetEvery: Int?

    @Option(
        help: ArgumentHelp(
            "The wall clock (ISO 8601) to check publish times against: a message published more than 300 s later is "
                + "dead-lettered, as the service does. Without it, nothing is checked.",
            valueName: "time"
        )
    )
    var now: String?

    @Option(help: "Lateness in seconds: how much earlier than its TaskCompleted a score may be published.")
    var lateness: Int64?

    @Option(name: .customLong("claim-window"), help: "Claim window in seconds for unclaimed candidate tasks.")
    var claimWindow: Int64?

    @Option(
        name: .customLong("carry-age"),
        help: "Carry a message held this many seconds of event time forward to the state topic (default 259200)."
    )
    var carryAge: Int64?

    @Option(
        name: .customLong("max-held-per-topic"),
        help: "Carry the oldest held messages of a topic once it holds more than this many (default 500)."
    )
    var maxHeldPerTopic: Int?

    func validate() throws {
        guard !self.fixtures.isEmpty else { throw ValidationError("give at least one fixture file") }
        for (name, value) in [
            ("--restart-every", self.restartEvery), ("--duplicate-every", self.duplicateEvery),
            ("--forget-every", self.forgetEvery),
        ] {
            if let value, value < 1 { throw ValidationError("\(name) must be at least 1") }
        }
        if self.forgetEvery != nil, self.restartEvery == nil {
            throw ValidationError("--forget-every needs --restart-every: acknowledgements are forgotten at restarts")
        }
        if let lateness, lateness < 0 { throw ValidationError("--lateness must not be negative") }
        if let claimWindow, claimWindow < 0 { throw ValidationError("--claim-window must not be negative") }
        if let carryAge, !(1...31_536_000).contains(carryAge) {
            throw ValidationError("--carry-age must be between 1 and 31536000 seconds")
        }
        if let maxHeldPerTopic, !(1...1_000_000).contains(maxHeldPerTopic) {
            throw ValidationError("--max-held-per-topic must be between 1 and 1000000")
        }
        if let now, Timestamp(iso8601: now) == nil {
            throw ValidationError("--now must be an ISO 8601 time such as 2024-03-01T10:00:00Z, got \"\(now)\"")
        }
    }

    func run() async throws {
        var options = ReplayOptions(fixtures: self.fixtures)
        options.patients = self.patients
        options.composites = self.composites
        options.interleaveSeed = self.interleave
        options.restartEvery = self.restartEvery
        options.duplicateEvery = self.duplicateEvery
        options.forgetEvery = self.forgetEvery
        options.now = self.now.flatMap(Timestamp.init(iso8601:))
        if let lateness { options.engine.lateness = lateness * 1_000 }
        if let claimWindow {
            options.engine.claimWindow = claimWindow * 1_000
            options.engine.decidedRetention = claimWindow * 1_000
        }
        if let carryAge { options.engine.carryAge = carryAge * 1_000 }
        if let maxHeldPerTopic { options.engine.maxHeldPerTopic = maxHeldPerTopic }
        let expectation: ReplayExpectation?
        let outcome: (report: ReplayReport, scorerErrors: [ScorerLoadError])
        do {
            expectation = try self.expect.map { file throws(ServiceError) in
                try ReplayExpectation(contents: try TextFile.read(file), fileName: file)
            }
            outcome = try await ReplayRunner.run(options: options)
        } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        for error in outcome.scorerErrors { printError("scorer refused: \(error)") }
        let lines = outcome.report.records.map { JSONWriter.string($0.json) }
        let text = lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
        if let output {
            guard Self.write(Array(text.utf8), to: output) else {
                printError("error: \(output): cannot write the file")
                throw ExitCode(2)
            }
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
        printError(outcome.report.summary)
        if let expectation {
            let (missing, unexpected) = expectation.compare(outcome.report.records.map { $0.json })
            if !missing.isEmpty || !unexpected.isEmpty {
                printError(ReplayExpectation.render(missing: missing, unexpected: unexpected))
                throw ExitCode(1)
            }
        }
    }

    /// Writes `bytes` into the file at `path`, created or truncated in place. Not an atomic replace: that would turn
    /// `--output /dev/null` (or a named pipe) into a regular file.
    static func write(_ bytes: [UInt8], to path: String) -> Bool {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }
}
