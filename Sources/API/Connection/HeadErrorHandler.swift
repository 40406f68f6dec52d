import HTTPTypes
import NIOCore
import NIOHTTP1

/// Answers a request head that is not valid HTTP/1.1 (two `Content-Length`s, a length with
/// `Transfer-Encoding`, a malformed request line, an unknown method) with 400 problem+json and
/// closes the connection, as RFC 9112 §6.3 requires, instead of closing it silently. Sits right
/// after the HTTP parser; errors while a request is under way (in its body, or a pipelined head
/// behind an unfinished response) go on to Hummingbird as before.
/// Passive from a WebSocket upgrade on (`ConnectionGuardHandler`), when HTTP ends: frames then
/// pass through untouched.
final class HeadErrorHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// Requests whose response has not ended yet.
    private var open = 0
    private var answered = false
    /// Set at a WebSocket upgrade: nothing that passes is HTTP any more.
    var passive = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !passive, case .head = unwrapInboundIn(data) { open += 1 }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if !passive, case .end = unwrapOutboundIn(data) { open = max(0, open - 1) }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if passive {
            context.fireErrorCaught(error)
            return
        }
        // An error inside a request (its body) is that request's: its handler answers it, and a
        // body cut short must end in an error, never look complete. A client leaving is no error.
        guard let parserError = error as? HTTPParserError, open == 0, !answered, parserError != .invalidEOFState else {
            context.fireErrorCaught(error)
            return
        }
        answered = true
        let body = RawResponse.problemBody(
            status: .badRequest, detail: "the request is not valid HTTP/1.1 (\(Self.describe(parserError)))")
        var headers = HTTPHeaders([
            ("Content-Type", "application/problem+json"), ("Content-Length", String(body.readableBytes)),
            ("Connection", "close"),
        ])
        headers.add(name: "Cache-Control", value: "no-store")
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .badRequest, headers: headers))),
            promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            // As if the client had stopped sending: what waits for a request (the WebSocket
            // upgrade's negotiation, Hummingbird's request loop) ends quietly, not as a fault.
            context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
            context.close(promise: nil)
        }
    }

    static func describe(_ error: HTTPParserError) -> String {
        switch error {
        case .unexpectedContentLength, .invalidContentLength:
            "a repeated, invalid or conflicting Content-Length or Transfer-Encoding"
        case .invalidMethod: "an unknown method"
        case .invalidURL, .invalidPath: "an invalid request target"
        case .invalidVersion: "an invalid HTTP version"
        case .headerOverflow: "the header is too large"
        default: "a malformed request head"
        }
    }
}
