import Testing

@testable import CompositePulsar

@Suite struct LookupAndEndpointTests {
    let service = PulsarEndpoint(host: "proxy", port: 6650, tls: false)

    @Test func connectUsesTheBrokerURL() throws {
        let response = LookupResponse(requestID: 1, kind: .connect, brokerServiceURL: "pulsar://broker-1:6650")
        #expect(
            try LookupDecision.decide(response, useTLS: false, serviceEndpoint: self.service, topic: "t")
                == .connect(PulsarEndpoint(host: "broker-1", port: 6650, tls: false), proxyToBroker: nil)
        )
    }

    @Test func tlsClientsTakeTheTLSURLAndNeedOne() throws {
        let response = LookupResponse(
            requestID: 1,
            kind: .connect,
            brokerServiceURL: "pulsar://broker-1:6650",
            brokerServiceURLTLS: "pulsar+ssl://broker-1:6651"
        )
        #expect(
            try LookupDecision.decide(response, useTLS: true, serviceEndpoint: self.service, topic: "t")
                == .connect(PulsarEndpoint(host: "broker-1", port: 6651, tls: true), proxyToBroker: nil)
        )
        let plainOnly = LookupResponse(requestID: 1, kind: .connect, brokerServiceURL: "pulsar://broker-1:6650")
        #expect(throws: PulsarError.self) {
            try LookupDecision.decide(plainOnly, useTLS: true, serviceEndpoint: self.service, topic: "t")
        }
    }

    @Test func redirectsCarryTheAuthoritativeFlag() throws {
        let response = LookupResponse(
            requestID: 1,
            kind: .redirect,
            brokerServiceURL: "pulsar://broker-2:6650",
            authoritative: true
        )
        #expect(
            try LookupDecision.decide(response, useTLS: false, serviceEndpoint: self.service, topic: "t")
                == .redirect(
                    PulsarEndpoint(host: "broker-2", port: 6650, tls: false),
                    proxyToBroker: nil,
                    authoritative: true
                )
        )
    }

    @Test func proxyThroughServiceURLConnectsToTheProxyNamingTheBroker() throws {
        let response = LookupResponse(
            requestID: 1,
            kind: .connect,
            brokerServiceURL: "pulsar://broker-3:6650",
            proxyThroughServiceURL: true
        )
        #expect(
            try LookupDecision.decide(response, useTLS: false, serviceEndpoint: self.service, topic: "t")
                == .connect(self.service, proxyToBroker: "broker-3:6650")
        )
    }

    @Test func failedLookupsBecomeErrorsWithTheBrokersReason() {
        let response = LookupResponse(
            requestID: 1,
            kind: .failed,
            error: .serviceNotReady,
            message: "namespace bundle not served"
        )
        #expect {
            try LookupDecision.decide(
                response,
                useTLS: false,
                serviceEndpoint: self.service,
                topic: "persistent://a/b/c"
            )
        } throws: { error in
            guard let error = error as? PulsarError else { return false }
            return error.isRetriable && error.topic == "persistent://a/b/c"
                && error.reason == "namespace bundle not served"
        }
    }

    @Test func serviceURLsParse() throws {
        #expect(
            try PulsarEndpoint.parse("pulsar://localhost") == [
                PulsarEndpoint(host: "localhost", port: 6650, tls: false)
            ]
        )
        #expect(
            try PulsarEndpoint.parse("pulsar+ssl://pulsar.example.org") == [
                PulsarEndpoint(host: "pulsar.example.org", port: 6651, tls: true)
            ]
        )
        #expect(
            try PulsarEndpoint.parse("pulsar://a:1,b:2/")
                == [PulsarEndpoint(host: "a", port: 1, tls: false), PulsarEndpoint(host: "b", port: 2, tls: false)]
        )
        for bad in ["http://a:1", "pulsar://", "pulsar://a:0", "pulsar://a:x", "pulsar://a:1:2"] {
            #expect(throws: PulsarError.self, "\(bad)") { try PulsarEndpoint.parse(bad) }
        }
    }

    @Test func backoffGrowsWithJitterAndStopsAtTheMaximum() {
        var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(1))
        var upper = Duration.milliseconds(100)
        for _ in 0..<10 {
            let delay = backoff.next()
            #expect(delay >= .milliseconds(100) && delay <= upper)
            upper = min(upper * 2, .seconds(1))
        }
        backoff.reset()
        #expect(backoff.next() == .milliseconds(100))
    }

    @Test func acknowledgedSetForgetsTheOldestBeyondItsCapacity() {
        var set = AcknowledgedSet(capacity: 3)
        for entry in 0..<5 { set.insert(.init(entryId: UInt64(entry))) }
        set.insert(.init(entryId: 4))
        #expect(set.count == 3)
        #expect(!set.contains(.init(entryId: 1)))
        #expect(set.contains(.init(entryId: 2)) && set.contains(.init(entryId: 4)))
    }
}
