import ClipGenCore
import Delivery
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import Outbound

/// Who is calling: set by `AuthMiddleware` on every authenticated route.
public struct Principal: Sendable {
    public var userId: UserID
    public var organizationId: OrganizationID
    public var email: String
    public var role: Role
    /// Set when the caller authenticated with an API key rather than a token.
    public var apiKeyId: String? = nil
    /// When the caller's token expires; nil for an API key.
    public var expiresAt: Date? = nil
}

public struct AppRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?
    /// Set on routes that upgrade to a WebSocket.
    public let webSocket = WebSocketHandlerReference<AppRequestContext>()
    /// The connection, so a WebSocket whose client stops reading can be closed from our side.
    public let channel: (any Channel)?
    /// Who the request turned out to be from, for its audit entry.
    public let audit = AuditTrail()
    /// Its place among requests not tied to an account, until authenticated.
    public let anonymous = AnonymousSlot()
    /// The connection's peer (nil in tests without sockets); see `clientAddress(trusting:)`.
    public var peerAddress: String?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.principal = nil
        self.peerAddress = source.channel.remoteAddress?.ipAddress
        self.channel = source.channel
    }

    /// Who sent the request: the peer, or when the peer is a trusted proxy (nginx in front), the
    /// address it appended last to `X-Forwarded-For`; earlier entries are the client's to forge.
    public func clientAddress(of request: Request, trusting proxies: Set<String>) -> String? {
        guard let peer = peerAddress, Self.isTrusted(peer, proxies),
            let forwarded = request.headers[values: .forwardedFor].last?.split(separator: ",").last
        else { return peerAddress }
        let address = forwarded.trimmingCharacters(in: .whitespaces)
        return address.isEmpty ? peerAddress : address
    }

    /// An address listed as is, or inside a listed range (`10.0.0.0/8`: an ingress controller's
    /// pods, whose addresses change).
    static func isTrusted(_ peer: String, _ proxies: Set<String>) -> Bool {
        if proxies.contains(peer) { return true }
        guard let bytes = CIDR.bytes(of: peer) else { return false }
        return proxies.contains { $0.contains("/") && CIDR($0)?.contains(bytes) == true }
    }

    /// JSON bodies are small; uploads are streamed and limited separately.
    public var maxUploadSize: Int { 1 << 20 }

    public var responseEncoder: JSONEncoder { .api }

    /// The authenticated caller, having checked that their role allows `permission`.
    public func require(_ permission: Permission) throws -> Principal {
        guard let principal else { throw Problem.unauthorized("sign in first: send Authorization: Bearer <token>") }
        guard principal.role.allows(permission) else {
            throw Problem(
                status: .forbidden, title: "Forbidden",
                detail: "the \(principal.role.rawValue) role may not \(permission.rawValue)")
        }
        return principal
    }
}
