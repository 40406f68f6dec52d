import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

/// What every connection goes through before HTTP: the caps of `ConnectionLimits` (a refused
/// connection gets a 503 problem and is closed, instead of waiting in the kernel's queue behind
/// connections an attacker holds); a deadline for its first request head; a 400 problem for a
/// head that is not HTTP/1.1 (`HeadErrorHandler`); and, on the raw bytes, `ConnectionGuardHandler`.
struct ConnectionGuard<Base: ServerChildChannel>: ServerChildChannel {
    let base: Base
    let limits: ConnectionLimits
    let firstRequestTimeout: TimeAmount
    let onRefused: @Sendable (_ address: String?, _ reason: String) -> Void

    /// A connection served by `base`, or refused before any of it ran.
    enum Value: ServerChildChannelValue {
        case served(Base.Value)
        case refused(any Channel)

        var channel: any Channel {
            switch self {
            case .served(let value): value.channel
            case .refused(let channel): channel
            }
        }
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let address = channel.remoteAddress?.ipAddress
        switch limits.admit(address: address) {
        case .refused(let reason):
            onRefused(address, reason)
            let answer = RawResponse.problem(
                status: .serviceUnavailable, detail: reason, headers: [("Retry-After", "5")])
            return channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(RefusalHandler(answer: answer))
                return .refused(channel)
            }
        case .admitted(let key):
            channel.closeFuture.whenComplete { _ in limits.release(key: key) }
        }
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(
                ConnectionGuardHandler(firstRequestTimeout: firstRequestTimeout), position: .first)
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }.flatMapThrowing { value in
            // Right after the parser, so it sees the errors of every head, first or later. Over
            // TLS there is no parser yet (ALPN decides HTTP/1.1 or HTTP/2 after the handshake):
            // `SecureHTTPChannel` adds it to an HTTP/1.1 pipeline once there is one.
            let sync = channel.pipeline.syncOperations
            if let decoder = try? sync.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self) {
                try sync.addHandler(HeadErrorHandler(), position: .after(decoder))
            }
            return .served(value)
        }
    }

    func handle(value: Value, logger: Logger) async {
        if case .served(let served) = value { await base.handle(value: served, logger: logger) }
    }
}
