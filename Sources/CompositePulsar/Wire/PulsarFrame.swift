import NIOCore

/// One frame on a Pulsar connection: a command, and for SEND and MESSAGE the metadata and payload after it.
struct PulsarFrame: Sendable, Equatable {
    struct Payload: Sendable, Equatable {
        var metadata: MessageMetadata
        var body: [UInt8]
        /// Why a MESSAGE's payload could not be read (checksum mismatch, corrupt metadata); `body` then holds
        /// everything after the command, and `metadata` is empty. The entry is dead-lettered, not fatal.
        var corruption: String?
    }

    var command: PulsarCommand
    var payload: Payload?

    init(_ command: PulsarCommand, payload: Payload? = nil) {
        self.command = command
        self.payload = payload
    }

    static let payloadMagic: UInt16 = 0x0e01
    static let brokerEntryMetadataMagic: UInt16 = 0x0e02
    /// Pulsar's default `maxMessageSize` until `CONNECTED` says otherwise.
    static let defaultMaxMessageSize = 5 * 1024 * 1024
    /// Room for the command and metadata around a maximal message, as other clients allow.
    static let framePadding = 10 * 1024

    /// Writes the frame: `[totalSize][commandSize][command]` and, for payload frames,
    /// `[0x0e01][CRC32C][metadataSize][metadata][payload]` with the checksum over everything after it.
    func write(to buffer: inout ByteBuffer) {
        let command = self.command.encodedBaseCommand
        guard let payload else {
            buffer.writeInteger(UInt32(4 + command.count))
            buffer.writeInteger(UInt32(command.count))
            buffer.writeBytes(command)
            return
        }
        let metadata = payload.metadata.encoded
        var checked = ByteBuffer()
        checked.reserveCapacity(4 + metadata.count + payload.body.count)
        checked.writeInteger(UInt32(metadata.count))
        checked.writeBytes(metadata)
        checked.writeBytes(payload.body)
        let checksum = checked.withUnsafeReadableBytes { CRC32C.checksum($0) }
        buffer.writeInteger(UInt32(4 + command.count + 2 + 4 + checked.readableBytes))
        buffer.writeInteger(UInt32(command.count))
        buffer.writeBytes(command)
        buffer.writeInteger(Self.payloadMagic)
        buffer.writeInteger(checksum)
        buffer.writeImmutableBuffer(checked)
    }

    /// Reads one whole frame from the front of `buffer`, or returns `nil` (consuming nothing) until all of it has
    /// arrived. Frames larger than `maxFrameSize` and payloads whose checksum does not match are errors.
    static func read(from buffer: inout ByteBuffer, maxFrameSize: Int) throws(PulsarError) -> PulsarFrame? {
        guard let totalSize = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return nil }
        guard totalSize <= maxFrameSize else {
            throw PulsarError.malformed("frame of \(totalSize) bytes exceeds the limit of \(maxFrameSize)")
        }
        guard buffer.readableBytes >= 4 + Int(totalSize) else { return nil }
        buffer.moveReaderIndex(forwardBy: 4)
        guard var frame = buffer.readSlice(length: Int(totalSize)) else { return nil }
        return try Self.decode(frame: &frame)
    }

    private static func decode(frame: inout ByteBuffer) throws(PulsarError) -> PulsarFrame {
        guard let commandSize = frame.readInteger(as: UInt32.self), Int(commandSize) <= frame.readableBytes,
            let commandBytes = frame.readBytes(length: Int(commandSize))
        else { throw PulsarError.malformed("command size exceeds the frame") }
        let command = try PulsarCommand(decodingBaseCommand: commandBytes[...])
        guard frame.readableBytes > 0 else { return PulsarFrame(command) }

        if frame.getInteger(at: frame.readerIndex, as: UInt16.self) == Self.brokerEntryMetadataMagic {
            frame.moveReaderIndex(forwardBy: 2)
            guard let size = frame.readInteger(as: UInt32.self), frame.readSlice(length: Int(size)) != nil else {
                throw PulsarError.malformed("broker entry metadata runs past the frame")
            }
        }
        // A MESSAGE whose payload is damaged is still a message the broker will deliver again: it is handed on,
        // marked, to be dead-lettered and acknowledged. Any other damaged frame is an error.
        if case .message = command {
            let raw = frame.getBytes(at: frame.readerIndex, length: frame.readableBytes) ?? []
            do throws(PulsarError) {
                return PulsarFrame(command, payload: try Self.payload(of: &frame, command: command))
            } catch {
                return PulsarFrame(
                    command,
                    payload: Payload(
                        metadata: MessageMetadata(producerName: "", sequenceID: 0, publishTime: 0),
                        body: raw,
                        corruption: error.reason
                    )
                )
            }
        }
        return PulsarFrame(command, payload: try Self.payload(of: &frame, command: command))
    }

    private static func payload(of frame: inout ByteBuffer, command: PulsarCommand) throws(PulsarError) -> Payload {
        // The magic number and checksum are optional in the protocol: a broker forwards an entry as its producer
        // wrote it, and older producers wrote none. When present, the checksum must match.
        if frame.getInteger(at: frame.readerIndex, as: UInt16.self) == Self.payloadMagic {
            frame.moveReaderIndex(forwardBy: 2)
            guard let expected = frame.readInteger(as: UInt32.self) else {
                throw PulsarError.malformed("payload frame without its checksum")
            }
            let actual = frame.withUnsafeReadableBytes { CRC32C.checksum($0) }
            guard actual == expected else {
                throw PulsarError.malformed(
                    "\(command.name) checksum mismatch: frame says \(hex(expected)), payload has \(hex(actual))"
                )
            }
        }
        guard let metadataSize = frame.readInteger(as: UInt32.self), Int(metadataSize) <= frame.readableBytes,
            let metadataBytes = frame.readBytes(length: Int(metadataSize))
        else { throw PulsarError.malformed("metadata size exceeds the frame") }
        let metadata = try MessageMetadata(decoding: metadataBytes[...])
        let body = frame.readBytes(length: frame.readableBytes) ?? []
        return Payload(metadata: metadata, body: body)
    }
}

private func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
}
