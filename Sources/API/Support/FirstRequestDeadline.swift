import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

/// Closes a connection that has not sent a whole first request head within `timeout`.
/// Hummingbird's idle timeout starts only once a head is parsed (the WebSocket-capable
/// pipeline adds it then), so without this a silent or trickling client holds a descriptor for
/// as long as it likes.
struct FirstRequestDeadline<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base
    let timeout: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(Handler(timeout: timeout), position: .first)
        }.flatMap { base.setup(channel: channel, logger: logger) }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }

    final class Handler: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = ByteBuffer
        let timeout: TimeAmount
        private var deadline: Scheduled<Void>?

        init(timeout: TimeAmount) { self.timeout = timeout }

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

        private func arm(_ context: ChannelHandlerContext) {
            guard deadline == nil else { return }
            let pipeline = context.pipeline
            let channel = context.channel
            deadline = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: timeout) {
                // Still parsing the first head (the HTTP decoder is there, the per-request state
                // handler is not yet; after an upgrade the decoder is gone): give up on it.
                let sync = pipeline.syncOperations
                let parsingFirstHead = (try? sync.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)) != nil
                    && (try? sync.handler(type: HTTPConnectionStateHandler.self)) == nil
                guard parsingFirstHead else { return }
                // As if the client had stopped sending: the upgrade negotiation ends quietly
                // (a bare close reads as a server fault in the WebSocket channel's log).
                pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
                channel.close(promise: nil)
            }
        }
    }
}
