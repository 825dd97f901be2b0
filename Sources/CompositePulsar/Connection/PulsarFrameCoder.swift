import NIOCore

/// Splits the byte stream into frames; the limit follows `CONNECTED.max_message_size` once known.
final class PulsarFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = PulsarFrame

    var maxFrameSize = PulsarFrame.defaultMaxMessageSize + PulsarFrame.framePadding

    func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try PulsarFrame.read(from: &buffer, maxFrameSize: self.maxFrameSize) else {
            return .needMoreData
        }
        if case .connected(let connected) = frame.command, let size = connected.maxMessageSize, size > 0 {
            self.maxFrameSize = Int(size) + PulsarFrame.framePadding
        }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }
}

/// Writes frames.
struct PulsarFrameEncoder: MessageToByteEncoder {
    typealias OutboundIn = PulsarFrame

    func encode(data: PulsarFrame, out: inout ByteBuffer) throws {
        data.write(to: &out)
    }
}
