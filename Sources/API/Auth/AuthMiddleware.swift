import Logging
import Foundation
import ClipGenCore
import Hummingbird
import Persistence

/// Resolves `Authorization: Bearer <jwt>` to a `Principal`, or answers 401. `?access_token=`
/// is read only where `acceptsQueryToken` (the WebSocket routes: browsers cannot set headers
/// on them); anywhere else a token in the URL would end up in proxies' and servers' logs.
struct AuthMiddleware<Store: AccountStore>: RouterMiddleware {
    typealias Context = AppRequestContext
    let store: Store
    let tokens: TokenService
    var acceptsQueryToken = false

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.principal = try await principal(for: request)
        context.logger[metadataKey: "user.id"] = context.principal.map { "\($0.userId)" }
        return try await next(request, context)
    }

    func principal(for request: Request) async throws -> Principal {
        guard let token = Self.token(in: request, acceptsQuery: acceptsQueryToken) else {
            throw Problem.unauthorized("sign in first: send Authorization: Bearer <token>")
        }
        guard let verified = await tokens.verify(token), let user = try await store.user(id: verified.userId),
              !user.disabled, user.tokenVersion == verified.tokenVersion else {
            throw Problem.unauthorized("the token is invalid or expired; get a new one from POST /v1/auth/token")
        }
        return Principal(userId: user.id, organizationId: user.organizationId, email: user.email, role: user.role)
    }

    static func token(in request: Request, acceptsQuery: Bool) -> String? {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" { return String(parts[1]).trimmingCharacters(in: .whitespaces) }
            return nil
        }
        return acceptsQuery ? request.uri.queryParameters["access_token"].map(String.init) : nil
    }
}
