import HummingbirdCore
import HummingbirdHTTP2
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOSSL

/// TLS on the connection (`CLIPGEN_TLS_CERT`/`_KEY`), then HTTP/2 or HTTP/1.1 as ALPN agrees:
/// HTTP/2 for browsers and clients that offer it, HTTP/1.1 (WebSocket upgrades included: there
/// are no WebSockets over HTTP/2 here) for the rest. The TLS handler goes first in the pipeline,
/// so everything after it, `ConnectionGuardHandler` included, sees the plaintext.
struct SecureHTTPChannel<HTTP1: ServerChildChannel>: ServerChildChannel {
    struct Value: ServerChildChannelValue {
        let negotiated: EventLoopFuture<NIONegotiatedHTTPVersion<HTTP1.Value, HTTP2Channel.Value>>
        let channel: any Channel
    }

    let context: NIOSSLContext
    let http1: HTTP1
    let http2: HTTP2Channel

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        do {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context), position: .first)
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return channel.configureHTTP2AsyncSecureUpgrade { channel in
            http1.setup(channel: channel, logger: logger).flatMapThrowing { value in
                // As on plain connections: bad heads get their problem answer (`ConnectionGuard`).
                let sync = channel.pipeline.syncOperations
                let decoder = try sync.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
                try sync.addHandler(HeadErrorHandler(), position: .after(decoder))
                return value
            }
        } http2ConnectionInitializer: { channel in
            http2.setup(channel: channel, logger: logger)
        }.map { Value(negotiated: $0, channel: channel) }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.negotiated.get() {
            case .http1_1(let connection): await http1.handle(value: connection, logger: logger)
            case .http2(let connection): await http2.handle(value: connection, logger: logger)
            }
        } catch {
            logger.debug("TLS or protocol negotiation failed", metadata: ["error": "\(error)"])
        }
    }
}

/// The server's TLS from PEM files: its certificate chain and key, TLS 1.2 or later, offering h2
/// and http/1.1 by ALPN.
enum ServerTLS {
    static func context(certificate: String, key: String) throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
        tls.minimumTLSVersion = .tlsv12
        tls.applicationProtocols = NIOHTTP2SupportedALPNProtocols
        return try NIOSSLContext(configuration: tls)
    }
}
