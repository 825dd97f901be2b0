import CompositeBroker
import CompositeCore
import CompositeEmbeddedBroker
import Foundation
import Testing

extension ProcessTests {
    /// `composite-service federation …` as the real binary: separate processes sharing one embedded broker file.
    @Suite(.timeLimit(.minutes(3)))
    struct FederationCommandTests {
        func start(_ arguments: [String]) throws -> (Process, Pipe, Pipe) {
            let process = Process()
            process.executableURL = try ServiceProcess.binary
            process.arguments = arguments
            process.currentDirectoryURL = ServiceProcess.root
            let output = Pipe()
            let errors = Pipe()
            process.standardOutput = output
            process.standardError = errors
            try process.run()
            return (process, output, errors)
        }

        func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
            try CommandLineToolTests().run(arguments)
        }

        @Test func theDemoPrintsAFederatedSummaryThatMatchesThePooledData() throws {
            let folder = try temporaryDirectory("federation-demo").path
            let demo = try self.run(["federation", "demo", "--directory", folder, "--json"])
            #expect(demo.status == 0, "\(demo.stderr)")
            #expect(demo.stderr.contains("equals the pooled computation"))
            let summary = try JSONParser.parse(demo.stdout)
            #expect(summary["nodes"] == .array([.string("hospital-a"), .string("hospital-b"), .string("hospital-c")]))
            guard case .array(let features)? = summary["features"] else {
                Issue.record("no features in \(demo.stdout)")
                return
            }
            #expect(features.first?["count"] == .number(.integer(430)))
        }

        @Test func keygenNodeAndSummaryWorkAcrossProcesses() async throws {
            let folder = try temporaryDirectory("federation-cli")
            let path = { (name: String) in folder.appendingPathComponent(name).path }
            var entries = ""
            for (name, role) in [("site-a", "aggregator"), ("site-b", "default"), ("site-c", "default")] {
                let keygen = try self.run([
                    "federation", "keygen", "--node", name, "--role", role, "--output", path("\(name).key"),
                ])
                #expect(keygen.status == 0)
                let key = try String(contentsOfFile: path("\(name).key"), encoding: .utf8)
                let privateLine = try #require(key.split(separator: "\n").first { $0.hasPrefix("signingKey:") })
                #expect(!keygen.stdout.contains(privateLine.dropFirst("signingKey: ".count)), "private key printed")
                entries += keygen.stdout
            }
            for name in ["site-a", "site-b", "site-c"] {
                let text =
                    "node: \(name)\nbrokerTenant: krane-cli\nkraneTenants: [\(name)]\nsuppressionThreshold: 0\n"
                    + "participants:\n" + entries
                try text.write(toFile: path("\(name).yaml"), atomically: true, encoding: .utf8)
            }
            let data = path("data")
            let broker = try EmbeddedBroker(
                path: try { () throws -> String in
                    try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
                    return (data as NSString).appendingPathComponent("broker.sqlite")
                }()
            )
            for (offset, name) in ["site-a", "site-b", "site-c"].enumerated() {
                for index in 0..<(offset + 1) {
                    let payload = """
                        {"name":"CompositeScoreGenerated","version":"v2","tenant":"\(name)","data":{"resultId":"\(name)-\(index)",\
                        "featureId":"IMWGFrailty","score":\(index),"interpretation":"fit","error":null}}
                        """
                    _ = try await broker.publish(
                        OutgoingMessage(payload: Array(payload.utf8)),
                        to: "persistent://krane-cli/experiments/\(name)-events"
                    )
                }
            }
            let nodes = try ["site-b", "site-c"].map {
                try self.start([
                    "federation", "node", "--config", path("\($0).yaml"), "--keys", path("\($0).key"), "--data-dir",
                    data,
                ])
            }
            defer {
                for (process, _, _) in nodes where process.isRunning { process.terminate() }
            }
            let summary = try self.run([
                "federation", "summary", "--config", path("site-a.yaml"), "--keys", path("site-a.key"), "--data-dir",
                data,
                "--timeout", "60",
            ])
            #expect(summary.status == 0, "\(summary.stderr)")
            #expect(summary.stdout.contains("IMWGFrailty: 6 results from site-a, site-b, site-c"), "\(summary.stdout)")
            for (process, _, errors) in nodes {
                process.terminate()
                process.waitUntilExit()
                #expect(process.terminationStatus == 0)
                _ = errors.fileHandleForReading.readDataToEndOfFile()
            }
            let wrongKeys = try self.run([
                "federation", "summary", "--config", path("site-a.yaml"), "--keys", path("site-b.key"), "--data-dir",
                data,
            ])
            #expect(wrongKeys.status == 2 && wrongKeys.stderr.contains("site-b.key: node: is site-b"))
        }
    }
}
