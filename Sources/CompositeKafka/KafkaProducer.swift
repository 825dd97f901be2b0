import CRdKafka
import CompositeBroker
import CompositeCore
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The idempotent, `acks=all` producer: a publish returns only once its delivery report arrived.
///
/// Delivery reports are served by `rd_kafka_poll` on the producer's own thread, never on Swift's cooperative pool;
/// each resumes the continuation of the batch its message belongs to.
final class KafkaProducer: Sendable {
    /// The messages of one `publish` call, waiting for their delivery reports.
    final class Batch: @unchecked Sendable {
        // Only touched under `Reports.waiting`'s lock.
        var ids: [MessageID?]
        var remaining: Int
        var failure: BrokerError?
        let continuation: CheckedContinuation<[MessageID], any Error>

        init(count: Int, continuation: CheckedContinuation<[MessageID], any Error>) {
            self.ids = Array(repeating: nil, count: count)
            self.remaining = count
            self.continuation = continuation
        }
    }

    /// What the delivery callback reaches through librdkafka's opaque pointer.
    final class Reports: Sendable {
        let waiting = Mutex<(next: UInt, slots: [UInt: (batch: Batch, index: Int)])>((1, [:]))
        let library: RDKafkaLibrary

        init(library: RDKafkaLibrary) { self.library = library }

        func register(_ batch: Batch, index: Int) -> UInt {
            self.waiting.withLock { waiting in
                let id = waiting.next
                waiting.next += 1
                waiting.slots[id] = (batch, index)
                return id
            }
        }

        func delivered(_ message: UnsafePointer<rd_kafka_message_t>) {
            let id = UInt(bitPattern: message.pointee._private)
            let outcome: Result<MessageID, BrokerError>
            if message.pointee.err == 0 {
                outcome = .success(
                    MessageID(entryId: UInt64(message.pointee.offset), partition: message.pointee.partition)
                )
            } else {
                let topic = message.pointee.rkt.map { self.library.name(of: $0) }
                outcome = .failure(
                    BrokerError(
                        KafkaProducer.code(of: message.pointee.err),
                        topic: topic,
                        reason: self.library.describe(message.pointee.err)
                    )
                )
            }
            self.complete(id, outcome)
        }

        func complete(_ id: UInt, _ outcome: Result<MessageID, BrokerError>) {
            let finished: Batch? = self.waiting.withLock { waiting in
                guard let (batch, index) = waiting.slots.removeValue(forKey: id) else { return nil }
                switch outcome {
                case .success(let messageID): batch.ids[index] = messageID
                case .failure(let error): batch.failure = batch.failure ?? error
                }
                batch.remaining -= 1
                return batch.remaining == 0 ? batch : nil
            }
            guard let finished else { return }
            if let failure = finished.failure {
                finished.continuation.resume(throwing: failure)
            } else {
                finished.continuation.resume(returning: finished.ids.map { $0! })
            }
        }
    }

    let library: RDKafkaLibrary
    let reports: Reports
    let client: RDKafkaClient
    let loop = PollLoop()

    /// The polling thread's stop flag and its exit signal.
    final class PollLoop: Sendable {
        let running = Atomic<Bool>(true)
        let stopped = DispatchSemaphore(value: 0)
    }

    init(library: RDKafkaLibrary, properties: [String: String]) throws(KafkaError) {
        self.library = library
        self.reports = Reports(library: library)
        let defaults = [
            "enable.idempotence": "true", "acks": "all",
            // A publish waits for its own delivery report: batching delays would only add latency.
            "linger.ms": "0",
        ]
        self.client = try RDKafkaClient(
            library: library,
            kind: .producer,
            configuration: defaults.merging(properties) { _, given in given },
            opaque: Unmanaged.passUnretained(self.reports).toOpaque(),
            deliveryCallback: { _, message, opaque in
                guard let message, let opaque else { return }
                Unmanaged<Reports>.fromOpaque(opaque).takeUnretainedValue().delivered(message)
            }
        )
        let thread = Thread { [client, loop] in
            while loop.running.load(ordering: .relaxed) { _ = client.library.poll(client.handle, 100) }
            loop.stopped.signal()
        }
        thread.name = "kafka-producer"
        thread.start()
    }

    /// Publishes the messages in order and returns their ids once every delivery report arrived; throws the first
    /// failure otherwise.
    func publish(_ messages: [(message: OutgoingMessage, topic: String)]) async throws -> [MessageID] {
        guard !messages.isEmpty else { return [] }
        // Without the polling thread no delivery report would ever arrive.
        guard self.loop.running.load(ordering: .relaxed) else {
            throw BrokerError(.closed, topic: messages[0].topic, reason: "the producer is closed")
        }
        return try await withCheckedThrowingContinuation { continuation in
            let batch = Batch(count: messages.count, continuation: continuation)
            for (index, entry) in messages.enumerated() {
                let id = self.reports.register(batch, index: index)
                if let failure = self.produce(entry.message, to: entry.topic, id: id) {
                    self.reports.complete(id, .failure(failure))
                }
            }
        }
    }

    /// Hands one message to librdkafka (which copies it); returns the error when it refused it.
    private func produce(_ message: OutgoingMessage, to topic: String, id: UInt) -> BrokerError? {
        var strings: [UnsafeMutablePointer<CChar>] = []
        defer { strings.forEach { free($0) } }
        func cString(_ text: String) -> UnsafeMutablePointer<CChar> {
            let pointer = strdup(text)!
            strings.append(pointer)
            return pointer
        }
        var values: [rd_kafka_vu_t] = []
        func value(_ type: Int32, _ fill: (inout rd_kafka_vu_t) -> Void) {
            var entry = rd_kafka_vu_t()
            entry.vtype = type
            fill(&entry)
            values.append(entry)
        }
        value(Int32(CRK_VTYPE_TOPIC)) { $0.u.cstr = UnsafePointer(cString(topic)) }
        value(Int32(CRK_VTYPE_MSGFLAGS)) { $0.u.i = Int32(CRK_MSG_F_COPY) }
        value(Int32(CRK_VTYPE_OPAQUE)) { $0.u.ptr = UnsafeMutableRawPointer(bitPattern: id) }
        if let time = message.publishTime {
            value(Int32(CRK_VTYPE_TIMESTAMP)) { $0.u.i64 = time.millisecondsSinceEpoch }
        }
        if let key = message.key {
            let pointer = cString(key)
            value(Int32(CRK_VTYPE_KEY)) {
                $0.u.mem = .init(ptr: UnsafeMutableRawPointer(pointer), size: strlen(pointer))
            }
        }
        for (name, text) in message.properties.sorted(by: { $0.key < $1.key }) {
            let pointer = cString(text)
            let namePointer = cString(name)
            value(Int32(CRK_VTYPE_HEADER)) {
                $0.u.header = .init(name: namePointer, val: UnsafeRawPointer(pointer), size: strlen(pointer))
            }
        }
        return message.payload.withUnsafeBytes { payload -> BrokerError? in
            value(Int32(CRK_VTYPE_VALUE)) {
                $0.u.mem = .init(ptr: UnsafeMutableRawPointer(mutating: payload.baseAddress), size: payload.count)
            }
            do {
                try self.library.check(self.library.produceva(self.client.handle, values, values.count), "producing")
                return nil
            } catch {
                let code = (error as? KafkaError)?.code ?? 0
                return BrokerError(KafkaProducer.code(of: code), topic: topic, reason: "\(error)")
            }
        }
    }

    /// `RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE` (10): the message is over `message.max.bytes`; any other failure is a
    /// failed publication.
    static func code(of error: rd_kafka_resp_err_t) -> BrokerError.Code {
        error == 10 ? .messageTooLarge : .publishFailed
    }

    /// Waits for outstanding deliveries, then stops the polling thread.
    func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                _ = self.library.flush(self.client.handle, 10_000)
                continuation.resume()
            }
        }
        if self.loop.running.exchange(false, ordering: .relaxed) {
            self.loop.stopped.wait()
            // Not left to the polling thread's last reference: the process may be exiting by then.
            self.client.destroy()
        }
    }

    deinit {
        // The polling thread holds the client; stop it so the handle is destroyed.
        self.loop.running.store(false, ordering: .relaxed)
    }
}
