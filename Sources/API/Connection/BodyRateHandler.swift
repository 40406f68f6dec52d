import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Cuts off a request body that arrives slower than `minBytesPerSecond`, averaged over
/// `window`: the idle timeout closes a body that stops, but one byte every few seconds would
/// hold a connection (and, a thousand times over, the server) for ever. Only the time the
/// server spends waiting to read counts, so a handler that is slow to take the body (an upload
/// to a slow store) is never held against its client.
final class BodyRateHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let minBytesPerSecond: Int
    let window: TimeAmount
    let onCutOff: @Sendable (_ received: Int, _ waited: TimeAmount) -> Void
    private var reading = false
    private var received = 0
    private var waited: TimeAmount = .zero
    private var waitingSince: NIODeadline?
    private var check: Scheduled<Void>?

    init(minBytesPerSecond: Int, window: TimeAmount, onCutOff: @escaping @Sendable (Int, TimeAmount) -> Void) {
        self.minBytesPerSecond = minBytesPerSecond
        self.window = window
        self.onCutOff = onCutOff
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if let since = waitingSince {
            waited = waited + (.now() - since)
            waitingSince = nil
        }
        switch unwrapInboundIn(data) {
        case .head:
            reading = true
            received = 0
            waited = .zero
            start(context)
        case .body(let chunk):
            received += chunk.readableBytes
        case .end:
            reading = false
            check?.cancel()
            check = nil
        }
        context.fireChannelRead(data)
    }

    /// A read the request's handler asks for: from now the server waits on the client.
    func read(context: ChannelHandlerContext) {
        if reading, waitingSince == nil { waitingSince = .now() }
        context.read()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        check?.cancel()
        check = nil
    }

    private func start(_ context: ChannelHandlerContext) {
        check?.cancel()
        let interval = max(TimeAmount.milliseconds(100), TimeAmount.nanoseconds(window.nanoseconds / 10))
        check = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: interval) { [self] in
            guard reading else { return }
            let waitedNow = waited + (waitingSince.map { .now() - $0 } ?? .zero)
            if waitedNow >= window {
                let needed = Int64(minBytesPerSecond) * waitedNow.nanoseconds / 1_000_000_000
                if Int64(received) < needed {
                    check = nil
                    onCutOff(received, waitedNow)
                    context.close(promise: nil)
                    return
                }
                // A new window: the rate is an average over the last `window`, not since the start.
                received = 0
                waited = .zero
                if waitingSince != nil { waitingSince = .now() }
            }
            start(context)
        }
    }
}
