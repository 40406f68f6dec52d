import Accounts
import ClipGenCore
import Foundation
import Hummingbird
import Logging
import Persistence

/// Resolves `Authorization: Bearer <jwt>` to a `Principal`, or answers 401. `?access_token=`
/// is read only where `acceptsQueryToken` (the WebSocket routes) or for a GET of one of
/// `queryTokenRoutes` (media a `<video>` or `<img>` loads): browsers cannot set headers there.
/// On those media routes the query token must be a media token (`POST /v1/auth/media-token`),
/// and a media token opens nothing else, so a URL that leaks reads media and cannot act.
/// Anywhere else a token in the URL would end up in proxies' and servers' logs (ClipGen's own
/// access log replaces it).
struct AuthMiddleware<Store: AccountStore>: RouterMiddleware {
    typealias Context = AppRequestContext
    let store: Store
    let tokens: TokenService
    var clock: WallClock = .system
    var acceptsQueryToken = false
    var queryTokenRoutes: Set<String> = []

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        let mediaRoute = request.method == .get && queryTokenRoutes.contains(context.endpointPath ?? "")
        let principal = try await principal(
            for: request, acceptsQuery: acceptsQueryToken || mediaRoute, mediaRoute: mediaRoute,
            audit: context.audit)
        context.principal = principal
        context.anonymous.release()
        context.audit.caller(
            organizationId: principal.organizationId, userId: principal.userId, apiKeyId: principal.apiKeyId)
        context.logger[metadataKey: "user.id"] = "\(principal.userId)"
        context.logger[metadataKey: "organization.id"] = "\(principal.organizationId)"
        if let key = context.principal?.apiKeyId { context.logger[metadataKey: "apikey.id"] = "\(key)" }
        return try await next(request, context)
    }

    func principal(for request: Request, acceptsQuery: Bool? = nil, mediaRoute: Bool = false, audit: AuditTrail? = nil)
        async throws -> Principal
    {
        guard let token = Self.token(in: request, acceptsQuery: acceptsQuery ?? acceptsQueryToken) else {
            throw Problem.unauthorized("sign in first: send Authorization: Bearer <token>")
        }
        let inQuery = request.headers[.authorization] == nil
        if token.hasPrefix(APIKeyCredential.prefix) {
            // A key is a full credential: never in a media URL.
            guard !(inQuery && mediaRoute) else {
                throw Problem.unauthorized("a media URL takes a media token (POST /v1/auth/media-token)")
            }
            return try await principal(forKey: token, audit: audit)
        }
        guard let verified = await tokens.verify(token), let user = try await store.user(id: verified.userId),
            !user.disabled, user.tokenVersion == verified.tokenVersion
        else {
            throw Problem.unauthorized("the token is invalid or expired; get a new one from POST /v1/auth/token")
        }
        switch (verified.scope, inQuery && mediaRoute) {
        case (.full, true):
            throw Problem.unauthorized(
                "a media URL takes a media token (POST /v1/auth/media-token), not a sign-in token")
        case (.media, false) where !mediaRoute:
            throw Problem.unauthorized("a media token only loads media; sign in for the rest")
        default: break
        }
        return Principal(
            userId: user.id, organizationId: user.organizationId, email: user.email, role: user.role,
            expiresAt: verified.expiresAt)
    }

    /// A key acts as its user, with the lesser of the key's and the user's current role, while
    /// neither the key is revoked nor the user disabled.
    private func principal(forKey text: String, audit: AuditTrail?) async throws -> Principal {
        let refused = Problem.unauthorized("the API key is invalid or revoked")
        guard let credential = APIKeyCredential(text), let key = try await store.apiKey(id: credential.id),
            credential.matches(key.secretHash), key.revokedAt == nil,
            let user = try await store.user(id: key.userId), !user.disabled, user.organizationId == key.organizationId
        else { throw refused }
        let now = clock.now()
        // One write a minute per key at most: last use is for people, not for accounting.
        if key.lastUsedAt.map({ now.timeIntervalSince($0) >= 60 }) ?? true {
            try await store.touchAPIKey(id: key.id, at: now)
            audit?.keyUsed()
        }
        return Principal(
            userId: user.id, organizationId: user.organizationId, email: user.email,
            role: key.role.limited(to: user.role),
            apiKeyId: key.id.rawValue)
    }

    static func token(in request: Request, acceptsQuery: Bool) -> String? {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                return String(parts[1]).trimmingCharacters(in: .whitespaces)
            }
            return nil
        }
        return acceptsQuery ? request.uri.queryParameters["access_token"].map(String.init) : nil
    }
}
