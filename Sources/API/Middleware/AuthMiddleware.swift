import Logging
import Foundation
import ClipGenCore
import Hummingbird
import Persistence

/// Resolves `Authorization: Bearer <jwt>` (or `?access_token=`) to a `Principal`, or answers 401.
struct AuthMiddleware<Store: AccountStore>: RouterMiddleware {
    typealias Context = AppRequestContext
    let store: Store
    let tokens: TokenService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token = Self.token(in: request) else {
            throw Problem.unauthorized("sign in first: send Authorization: Bearer <token>")
        }
        guard let userId = await tokens.verify(token), let user = try await store.user(id: userId) else {
            throw Problem.unauthorized("the token is invalid or expired; get a new one from POST /v1/auth/token")
        }
        var context = context
        context.principal = Principal(userId: user.id, organizationId: user.organizationId, email: user.email, role: user.role)
        context.logger[metadataKey: "user.id"] = "\(user.id)"
        return try await next(request, context)
    }

    static func token(in request: Request) -> String? {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" { return String(parts[1]).trimmingCharacters(in: .whitespaces) }
            return nil
        }
        return request.uri.queryParameters["access_token"].map(String.init)
    }
}
