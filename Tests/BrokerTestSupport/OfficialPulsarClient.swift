import Foundation

/// The official Apache Pulsar client (the `pulsar-client` Python package, which wraps the C++ client) as the other
/// party of interoperability tests.
public enum OfficialPulsarClient {
    /// Publishes JSON-described messages: each `{"payload", "key", "properties"}`; returns nothing.
    /// `compression` names a `pulsar.CompressionType` (`LZ4`, `ZLib`, `ZSTD`, `SNAPPY`), an ordinary producer setting.
    public static func produce(
        serviceURL: String,
        topic: String,
        messages: [[String: Any]],
        batching: Bool,
        compression: String = "NONE"
    ) throws {
        let script = """
            import json, sys, pulsar
            client = pulsar.Client(sys.argv[1], logger=pulsar.ConsoleLogger(pulsar.LoggerLevel.Error))
            producer = client.create_producer(sys.argv[2], batching_enabled=sys.argv[3] == "1",
                                              batching_max_messages=1000, batching_max_publish_delay_ms=50,
                                              compression_type=getattr(pulsar.CompressionType, sys.argv[4]))
            for line in sys.stdin:
                m = json.loads(line)
                producer.send_async(m["payload"].encode(), None, partition_key=m.get("key"),
                                    properties=m.get("properties") or {})
            producer.flush()
            client.close()
            """
        let input = try messages.map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) }
            .joined(separator: "\n")
        try self.python(script, [serviceURL, topic, batching ? "1" : "0", compression], input: input + "\n")
    }

    /// Consumes `count` messages from the earliest position and returns each as a JSON object
    /// (`payload`, `key`, `properties`, `publishTime`).
    public static func consume(serviceURL: String, topic: String, subscription: String, count: Int) throws -> [[String:
        Any]]
    {
        let script = """
            import json, sys, pulsar
            client = pulsar.Client(sys.argv[1], logger=pulsar.ConsoleLogger(pulsar.LoggerLevel.Error))
            consumer = client.subscribe(sys.argv[2], sys.argv[3], initial_position=pulsar.InitialPosition.Earliest)
            for _ in range(int(sys.argv[4])):
                m = consumer.receive(10000)
                print(json.dumps({"payload": m.data().decode(), "key": m.partition_key() or None,
                                  "properties": m.properties(), "publishTime": m.publish_timestamp()}))
                consumer.acknowledge(m)
            client.close()
            """
        let output = try self.python(script, [serviceURL, topic, subscription, String(count)])
        return try output.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
        }
    }

    /// How fast the official client receives and acknowledges `count` messages of `topics` from the earliest
    /// position (messages per second, timed inside the client after its first message arrives).
    public static func consumeRate(serviceURL: String, topics: [String], count: Int) throws -> Double {
        let script = """
            import sys, time, pulsar
            client = pulsar.Client(sys.argv[1], logger=pulsar.ConsoleLogger(pulsar.LoggerLevel.Error))
            consumer = client.subscribe(sys.argv[3].split(","), "official-rate",
                                        initial_position=pulsar.InitialPosition.Earliest)
            n = int(sys.argv[2])
            consumer.acknowledge(consumer.receive(10000))
            start = time.perf_counter()
            for _ in range(n - 1):
                consumer.acknowledge(consumer.receive(10000))
            print((n - 1) / (time.perf_counter() - start))
            client.close()
            """
        let output = try self.python(script, [serviceURL, String(count), topics.joined(separator: ",")])
        guard let rate = Double(output.split(separator: "\n").last.map(String.init) ?? "") else {
            throw TestToolError("the official client printed \(output)")
        }
        return rate
    }

    @discardableResult
    public static func python(_ script: String, _ arguments: [String], input: String? = nil) throws -> String {
        try TestTools.ensureFetched()
        let result = try TestTools.run(TestTools.python, ["-c", script] + arguments, input: input)
        guard result.status == 0 else {
            throw TestToolError("official Pulsar client failed (\(result.status)): \(result.output)")
        }
        return result.output
    }
}
