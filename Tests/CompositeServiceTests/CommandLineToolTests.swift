import BrokerTestSupport
import CompositeBroker
import CompositeCore
import CompositeEmbeddedBroker
import CompositeService
import Foundation
import Testing

extension ProcessTests {
    /// The operators' tools, run as the real binary: publish, consume, redrive.
    @Suite
    struct CommandLineToolTests {
        func run(_ arguments: [String], stdin: String? = nil) throws -> (status: Int32, stdout: String, stderr: String)
        {
            let process = Process()
            process.executableURL = try ServiceProcess.binary
            process.arguments = arguments
            process.currentDirectoryURL = ServiceProcess.root
            let output = Pipe()
            let errors = Pipe()
            let input = Pipe()
            process.standardOutput = output
            process.standardError = errors
            process.standardInput = input
            try process.run()
            if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
            try input.fileHandleForWriting.close()
            let out = output.fileHandleForReading.readDataToEndOfFile()
            let err = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (
                process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self)
            )
        }

        @Test func publishedFixturesCanBeConsumedAndDeadLettersRedriven() throws {
            let data = try temporaryDirectory("tools").path
            let published = try self.run(["publish", "fixtures/happy-path.jsonl", "--data-dir", data])
            #expect(published.status == 0)
            #expect(published.stderr.contains("published 11/11"))
            let tasks = try self.run(["consume", "krane-staging/tasks/orikami-events", "--data-dir", data])
            let lines = tasks.stdout.split(separator: "\n")
            #expect(lines.count == 8)
            let first = try JSONParser.parse(String(lines[0]))
            #expect(first["publishTime"] == .string("2023-10-13T09:00:00.000Z"))
            #expect(first["message"]?["name"] == .string("FutureTaskCreated"))

        }

        @Test func deadLettersOfTheRunningServiceAreRedrivenToTheirSourceTopicOnce() async throws {
            let directory = try temporaryDirectory("redrive")
            let data = directory.appendingPathComponent("data").path
            let service = try ServiceProcess(
                environment: ["KRANE_TENANTS": "orikami", "DATA_DIR": data, "HTTP_PORT": "0", "LOG_LEVEL": "warning"],
                arguments: ["--publish", "fixtures/malformed.jsonl"],
                log: directory.appendingPathComponent("service.log")
            )
            let dlq = "persistent://krane-staging/tasks/orikami-events-composite-service-DLQ"
            try await TestTools.waitUntil("four dead letters", poll: .milliseconds(50)) {
                try self.run(["consume", dlq, "--data-dir", data]).stdout.split(separator: "\n").count >= 4
            }
            #expect(await service.terminate() == 0)
            let letters = try self.run(["consume", dlq, "--data-dir", data]).stdout.split(separator: "\n")
            #expect(letters.count == 4)
            let first = try JSONParser.parse(String(letters[0]))
            #expect(first["properties"]?["reason"] == .string("not a JSON object"))
            #expect(first["properties"]?["sourceTopic"] == .string("persistent://krane-staging/tasks/orikami-events"))

            let before = try self.run(["consume", "krane-staging/tasks/orikami-events", "--data-dir", data]).stdout
            let redriven = try self.run(["redrive", dlq, "--data-dir", data])
            #expect(redriven.status == 0)
            #expect(redriven.stderr.contains("redriven 4 dead letters"))
            let after = try self.run(["consume", "krane-staging/tasks/orikami-events", "--data-dir", data]).stdout
            #expect(after.split(separator: "\n").count == before.split(separator: "\n").count + 4)
            // The original and its redriven copy.
            #expect(after.components(separatedBy: #""message":[1,2,3]"#).count - 1 == 2)
            #expect(try self.run(["redrive", dlq, "--data-dir", data]).stderr.contains("redriven 0 dead letters"))
        }

        /// Issue 13, 14c: `redrive` publishes only to the input topic a dead-letter topic belongs to, whatever a
        /// letter's `sourceTopic` property says.
        @Test func redriveRefusesAnyTopicButTheDeadLetterTopicsOwnSource() async throws {
            let data = try temporaryDirectory("redrive-forged").appendingPathComponent("data").path
            let dlq = "persistent://krane-staging/tasks/orikami-events-composite-service-DLQ"
            let forged = [
                "persistent://krane-staging/tasks/radboud-events",
                "persistent://krane-staging/tasks/orikami-events-composite-service-state",
                "persistent://elsewhere/anything",
            ]
            do {
                let broker = try EmbeddedBrokerConfiguration(dataDirectory: data).open()
                for source in forged {
                    _ = try await broker.publish(
                        OutgoingMessage(payload: Array("{}".utf8), properties: ["sourceTopic": source, "reason": "r"]),
                        to: dlq
                    )
                }
            }
            let redriven = try self.run(["redrive", dlq, "--data-dir", data])
            #expect(redriven.status == 0)
            #expect(redriven.stderr.contains("redriven 0 dead letters"))
            #expect(redriven.stderr.components(separatedBy: "is not the tenant input topic").count - 1 == 3)
            for source in forged {
                #expect(try self.run(["consume", source, "--data-dir", data]).stdout.isEmpty, "\(source)")
            }
        }

        @Test func sighupReloadsTheScorersWithoutARestart() async throws {
            let directory = try temporaryDirectory("sighup")
            let composites = directory.appendingPathComponent("composites")
            try FileManager.default.createDirectory(at: composites, withIntermediateDirectories: true)
            try FileManager.default.copyItem(
                at: ServiceProcess.root.appendingPathComponent("composites/imwg-frailty.yaml"),
                to: composites.appendingPathComponent("imwg-frailty.yaml")
            )
            let log = directory.appendingPathComponent("service.log")
            let service = try ServiceProcess(
                environment: [
                    "KRANE_TENANTS": "orikami", "DATA_DIR": directory.appendingPathComponent("data").path,
                    "HTTP_PORT": "0",
                    "COMPOSITES_DIR": composites.path, "LOG_FORMAT": "json",
                ],
                log: log
            )
            defer { service.kill() }
            try await TestTools.waitUntil("the service consuming") {
                service.logText.contains(#""message":"consuming""#)
            }
            kill(service.process.processIdentifier, SIGHUP)
            try await TestTools.waitUntil("scorers reloaded") { service.logText.contains("scorers reloaded") }
            let text = service.logText
            #expect(text.contains(#""message":"SIGHUP: reloading scorers""#))
            #expect(text.contains("scorers reloaded"))
            // JSON logs: every line is one object.
            for line in text.split(separator: "\n") {
                #expect((try? JSONParser.parse(String(line)))?.objectValue != nil)
            }
        }

        @Test func aMalformedFixtureIsRefusedWithFileAndLine() throws {
            let data = try temporaryDirectory("tools").path
            let result = try self.run(
                ["publish", "-", "--data-dir", data],
                stdin: "{\"topic\":\"krane/tasks/t-events\"}\n"
            )
            #expect(result.status == 2)
            #expect(result.stderr.contains("stdin:1: one of message or raw is required"))
        }

        /// `replay --now`: a message published far ahead of that clock is dead-lettered and moves no watermark, so
        /// the fixture's result is the one without it; without `--now` nothing is checked.
        @Test func replayNowDeadLettersAFarFutureMessageAndKeepsTheResult() throws {
            let fixture = "fixtures/happy-path.jsonl"
            let lines = try String(
                contentsOfFile: ServiceProcess.root.appendingPathComponent(fixture).path,
                encoding: .utf8
            )
            .split(separator: "\n")
            let future =
                #"{"topic": "persistent://krane-staging/tasks/orikami-events", "publishTime": "2099-01-01T00:00:00.000Z", "message": {"name": "TaskStarted", "version": "v2", "tenant": "orikami", "data": {}}}"#
            let poisoned = try temporaryDirectory("replay-now").appendingPathComponent("poisoned.jsonl")
            try ([String(lines[0]), future] + lines.dropFirst().map(String.init)).joined(separator: "\n")
                .appending("\n").write(to: poisoned, atomically: true, encoding: .utf8)

            let plain = try self.run(["replay", fixture, "--patients", "fixtures/patients.jsonl"])
            let checked = try self.run([
                "replay", poisoned.path, "--patients", "fixtures/patients.jsonl", "--now", "2023-10-14T00:00:00Z",
            ])
            #expect(plain.status == 0 && checked.status == 0)
            let checkedLines = checked.stdout.split(separator: "\n")
            #expect(checkedLines.filter { !$0.contains(#""reason""#) } == plain.stdout.split(separator: "\n"))
            let deadLetter = try #require(checkedLines.first { $0.contains(#""reason""#) })
            #expect(deadLetter.contains("orikami-events-composite-service-DLQ"))
            #expect(deadLetter.contains("published at 2099-01-01T00:00:00.000Z, after 2023-10-14T00:05:00.000Z"))

            let unchecked = try self.run(["replay", poisoned.path, "--patients", "fixtures/patients.jsonl"])
            #expect(unchecked.status == 0 && !unchecked.stdout.contains(#""reason""#))
            let invalid = try self.run(["replay", fixture, "--now", "yesterday"])
            #expect(invalid.status == 2 && invalid.stderr.contains("--now must be an ISO 8601 time"))
        }

        /// `replay --forget-every` on a fixture: the spec's chaos option changes nothing, and needs restarts to act at.
        @Test func replayForgetEveryChangesNothingAndNeedsRestartEvery() throws {
            let fixture = "fixtures/happy-path.jsonl"
            let plain = try self.run(["replay", fixture, "--patients", "fixtures/patients.jsonl"])
            let forgetful = try self.run([
                "replay", fixture, "--patients", "fixtures/patients.jsonl", "--restart-every", "2", "--forget-every",
                "1",
            ])
            #expect(plain.status == 0 && forgetful.status == 0)
            #expect(!plain.stdout.isEmpty && forgetful.stdout == plain.stdout)
            let alone = try self.run(["replay", fixture, "--forget-every", "3"])
            #expect(alone.status == 2 && alone.stderr.contains("--forget-every needs --restart-every"))
        }

        /// `replay --carry-age` and `--max-held-per-topic` at their smallest values carry every held message, again
        /// and again, and change no result; the summary counts the copies; values out of range are refused.
        @Test func replayCarryingChangesNothingAndItsOptionsAreChecked() throws {
            for fixture in ["fixtures/happy-path.jsonl", "fixtures/two-tenants.jsonl", "fixtures/duplicates.jsonl"] {
                let plain = try self.run(["replay", fixture, "--patients", "fixtures/patients.jsonl"])
                let carried = try self.run([
                    "replay", fixture, "--patients", "fixtures/patients.jsonl", "--carry-age", "1",
                    "--max-held-per-topic", "1", "--restart-every", "3",
                ])
                #expect(plain.status == 0 && carried.status == 0)
                #expect(!plain.stdout.isEmpty)
                #expect(
                    Set(carried.stdout.split(separator: "\n")) == Set(plain.stdout.split(separator: "\n")),
                    "\(fixture)"
                )
                #expect(carried.stderr.contains(" carried"), "\(carried.stderr)")
                #expect(carried.stderr.contains("0 messages unacknowledged"))
            }
            for (option, value) in [
                ("--carry-age", "0"), ("--carry-age", "31536001"), ("--max-held-per-topic", "0"),
                ("--max-held-per-topic", "1000001"),
            ] {
                let refused = try self.run(["replay", "fixtures/happy-path.jsonl", option, value])
                #expect(
                    refused.status == 2 && refused.stderr.contains("\(option) must be between"),
                    "\(option) \(value)"
                )
            }
        }

        /// `replay --output` writes into the file in place: an atomic replace once turned `--output /dev/null` into a
        /// regular file (found running the benchmark as root). A named pipe stands in for /dev/null here.
        @Test func replayOutputWritesInPlaceSoAPipeStaysAPipe() throws {
            let directory = try temporaryDirectory("replay-output")
            let fifo = directory.appendingPathComponent("out.fifo").path
            #expect(mkfifo(fifo, 0o600) == 0)
            let reader = open(fifo, O_RDONLY | O_NONBLOCK)
            #expect(reader >= 0)
            defer { close(reader) }
            let run = try self.run([
                "replay", "fixtures/happy-path.jsonl", "--patients", "fixtures/patients.jsonl", "--output", fifo,
            ])
            #expect(run.status == 0)
            var buffer = [UInt8](repeating: 0, count: 65_536)
            let count = buffer.withUnsafeMutableBytes { read(reader, $0.baseAddress, $0.count) }
            #expect(count > 0 && String(decoding: buffer.prefix(max(0, count)), as: UTF8.self).contains("IMWGFrailty"))
            var status = stat()
            #expect(stat(fifo, &status) == 0 && (status.st_mode & S_IFMT) == S_IFIFO, "the pipe is still a pipe")
        }
    }
}
