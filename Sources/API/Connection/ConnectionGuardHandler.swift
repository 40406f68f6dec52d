import HummingbirdCore
import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOSSL

/// The connection's raw bytes, first in its pipeline:
/// - closes it when no whole first request head arrived within `firstRequestTimeout`
///   (Hummingbird's idle timeout starts only once a head is parsed);
/// - after a WebSocket upgrade, closes it with 1002 at the first client frame without a mask
///   (RFC 6455 §5.1), which the frame decoder lets through;
/// - answers a refused WebSocket upgrade with its problem (`refusal`) instead of the bare 400
///   the WebSocket channel writes, so a client learns whether to sign in, back off or stop.
final class ConnectionGuardHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    let firstRequestTimeout: TimeAmount
    private var deadline: Scheduled<Void>?
    private var upgraded = false
    private var frames = ClientFrameCheck()
    /// Set by the WebSocket router when it refuses an upgrade: the whole answer, as bytes.
    var refusal: ByteBuffer?
    private var answeredRefusal = false

    init(firstRequestTimeout: TimeAmount) { self.firstRequestTimeout = firstRequestTimeout }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if upgraded, !frames.feed(unwrapInboundIn(data)) {
            upgraded = false
            context.writeAndFlush(
                wrapOutboundOut(.byteBuffer(ByteBuffer(bytes: ClientFrameCheck.protocolErrorClose))), promise: nil)
            context.close(promise: nil)
            return
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if answeredRefusal {
            // The rest of the bare 400; the connection closes after it.
            promise?.succeed(())
            return
        }
        if case .byteBuffer(let bytes) = unwrapOutboundIn(data) {
            if let refusal, bytes.readableBytesView.starts(with: Self.statusLinePrefix) {
                self.refusal = nil
                answeredRefusal = true
                context.write(wrapOutboundOut(.byteBuffer(refusal)), promise: promise)
                return
            }
            if !upgraded, bytes.readableBytesView.starts(with: Self.switchingProtocols) {
                upgraded = true
                // HTTP ends here, before any frame is read or written: the head checker only passes things on from now.
                (try? context.pipeline.syncOperations.handler(type: HeadErrorHandler.self))?.passive = true
            }
        }
        context.write(data, promise: promise)
    }

    static let statusLinePrefix = Array("HTTP/1.1 ".utf8)
    static let switchingProtocols = Array("HTTP/1.1 101".utf8)

    private func arm(_ context: ChannelHandlerContext) {
        guard deadline == nil else { return }
        let pipeline = context.pipeline
        let channel = context.channel
        deadline = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: firstRequestTimeout) {
            [unowned self] in
            // Still parsing the first head (the HTTP decoder is there, the per-request state
            // handler is not yet; after an upgrade the decoder is gone), or, over TLS, still in the
            // handshake (neither an HTTP/1.1 decoder nor an HTTP/2 handler yet): give up on it.
            let sync = pipeline.syncOperations
            let decoding = (try? sync.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)) != nil
            let parsingFirstHead = decoding && (try? sync.handler(type: HTTPConnectionStateHandler.self)) == nil
            let negotiating =
                !decoding && !upgraded && (try? sync.handler(type: NIOSSLServerHandler.self)) != nil
                && (try? sync.handler(type: NIOHTTP2Handler.self)) == nil
            guard parsingFirstHead || negotiating else { return }
            // As if the client had stopped sending: the upgrade negotiation ends quietly
            // (a bare close reads as a server fault in the WebSocket channel's log).
            pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
            channel.close(promise: nil)
        }
    }
}

/// Follows a client's WebSocket frames through the byte stream: every one must be masked.
struct ClientFrameCheck {
    private var header: [UInt8] = []
    private var skip: UInt64 = 0

    /// A close frame with status 1002, protocol error, as a server sends it (unmasked).
    static let protocolErrorClose: [UInt8] = [0x88, 0x02, 0x03, 0xEA]

    /// False at the first frame header without the mask bit.
    mutating func feed(_ buffer: ByteBuffer) -> Bool {
        var bytes = buffer.readableBytesView[...]
        while !bytes.isEmpty {
            if skip > 0 {
                let taken = Int(min(skip, UInt64(bytes.count)))
                bytes = bytes.dropFirst(taken)
                skip -= UInt64(taken)
                continue
            }
            header.append(bytes.removeFirst())
            guard header.count >= 2 else { continue }
            guard header[1] & 0x80 != 0 else { return false }
            let short = header[1] & 0x7F
            let lengthBytes = short == 126 ? 2 : short == 127 ? 8 : 0
            guard header.count == 2 + lengthBytes + 4 else { continue }
            // A length past what any frame may have is the frame decoder's to refuse (1009).
            skip =
                lengthBytes == 0
                ? UInt64(short) : header[2..<(2 + lengthBytes)].reduce(UInt64(0)) { $0 &<< 8 | UInt64($1) }
            header.removeAll(keepingCapacity: true)
        }
        return true
    }
}
