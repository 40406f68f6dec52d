import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// HTTP/1.1 to URLs users give (webhooks, imports): the name is resolved once, the address
/// checked against `NetworkPolicy`, and the connection made to that address, so a name cannot
/// resolve to a public address for the check and a private one for the connection. TLS still
/// verifies the certificate against the name.
public struct PinnedHTTPClient: Sendable {
    public let policy: NetworkPolicy
    let group: any EventLoopGroup

    public init(policy: NetworkPolicy, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.policy = policy
        self.group = group
    }

    /// Where a URL leads, resolved and checked.
    public struct Target: Sendable {
        public var secure: Bool
        public var host: String
        public var port: Int
        public var pathAndQuery: String
        public var address: SocketAddress

        /// A request head for this target: its name as `Host`, one request per connection.
        func head(_ method: HTTPMethod) -> HTTPRequestHead {
            var head = HTTPRequestHead(version: .http1_1, method: method, uri: pathAndQuery)
            head.headers.add(name: "Host", value: port == (secure ? 443 : 80) ? host : "\(host):\(port)")
            head.headers.add(name: "Connection", value: "close")
            head.headers.add(name: "User-Agent", value: "ClipGen")
            return head
        }
    }

    public func resolve(_ text: String) async throws -> Target {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme)
        else {
            throw OutboundError.invalidURL("only http and https URLs are supported")
        }
        guard var host = url.host, !host.isEmpty else { throw OutboundError.invalidURL("it has no host") }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard url.user == nil, url.password == nil else {
            throw OutboundError.invalidURL("credentials in URLs are not accepted")
        }
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        guard (1...65535).contains(port) else { throw OutboundError.invalidURL("the port is out of range") }
        let name = host
        let address: SocketAddress
        do {
            address = try await NIOThreadPool.singleton.runIfActive {
                try SocketAddress.makeAddressResolvingHost(name, port: port)
            }
        } catch {
            throw OutboundError.unresolvable(host: host)
        }
        guard let bytes = CIDR.bytes(of: address), policy.permits(bytes) else {
            throw OutboundError.forbiddenAddress(host: host)
        }
        var path = url.path.isEmpty ? "/" : url.path
        if let query = url.query { path += "?" + query }
        return Target(secure: scheme == "https", host: host, port: port, pathAndQuery: path, address: address)
    }

    /// Sends one request with a small body and returns the status; the response body is read
    /// and dropped (up to 64 KiB). Redirects are not followed: a webhook answers where it is.
    public func send(
        _ method: HTTPMethod, to text: String, headers: [(String, String)], body: ByteBuffer, timeout: Duration
    ) async throws -> Int {
        let target = try await resolve(text)
        return try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask { try await exchange(method, target: target, headers: headers, body: body) }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw OutboundError.timedOut
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    /// A connection to the target's pinned address (TLS verified against its name).
    func connect(_ target: Target) async throws -> NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart> {
        let sslContext = target.secure ? try NIOSSLContext(configuration: .makeClientConfiguration()) : nil
        do {
            return try await ClientBootstrap(group: group)
                .connectTimeout(.seconds(10))
                .connect(to: target.address) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let sslContext {
                            try channel.pipeline.syncOperations.addHandler(
                                try NIOSSLClientHandler(context: sslContext, serverHostname: target.host))
                        }
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(
                            wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw OutboundError.connectionFailed("could not connect to \(target.host):\(target.port)")
        }
    }

    private func exchange(_ method: HTTPMethod, target: Target, headers: [(String, String)], body: ByteBuffer)
        async throws -> Int
    {
        let channel = try await connect(target)
        return try await channel.executeThenClose { inbound, outbound in
            var head = target.head(method)
            head.headers.add(name: "Content-Length", value: String(body.readableBytes))
            for (name, value) in headers { head.headers.add(name: name, value: value) }
            try await outbound.write(.head(head))
            if body.readableBytes > 0 { try await outbound.write(.body(.byteBuffer(body))) }
            try await outbound.write(.end(nil))
            var status: Int?
            var read = 0
            for try await part in inbound {
                switch part {
                case .head(let response): status = Int(response.status.code)
                case .body(let chunk):
                    read += chunk.readableBytes
                    if read > 64 * 1024 { return status ?? 0 }
                case .end: return status ?? 0
                }
            }
            guard let status else {
                throw OutboundError.connectionFailed("the server closed the connection without answering")
            }
            return status
        }
    }
}
