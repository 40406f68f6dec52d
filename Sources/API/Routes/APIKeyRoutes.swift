import Accounts
import ClipGenCore
import Coordination
import Foundation
import Hummingbird
import Logging
import Persistence

/// `POST /v1/api-keys` (the key shown once), `GET /v1/api-keys` (an admin sees the
/// organisation's, others their own), `DELETE /v1/api-keys/{id}` (revokes; admin or its owner).
struct APIKeyRoutes<Store: AccountStore> {
    let store: Store
    let clock: WallClock
    /// Told of every revocation, so the key's open event sockets close at once.
    let revocations: Notifier

    struct NewKey: Decodable {
        var name: String
        var role: Role?
    }

    struct KeyResponse: ResponseEncodable {
        var id: APIKeyID
        var name: String
        var role: Role
        var userId: UserID
        var createdAt: Date
        var lastUsedAt: Date?
        var revokedAt: Date?
        /// Only in the answer to the creation.
        var key: String?

        init(_ key: APIKey, text: String? = nil) {
            id = key.id
            name = key.name
            role = key.role
            userId = key.userId
            createdAt = key.createdAt
            lastUsedAt = key.lastUsedAt
            revokedAt = key.revokedAt
            self.key = text
        }
    }

    func add(to router: some RouterMethods<AppRequestContext>) {
        router.post("api-keys", use: create)
        router.get("api-keys", use: list)
        router.delete("api-keys/{id}", use: revoke)
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Created<KeyResponse> {
        let principal = try context.require(.write)
        let new = try await request.decodeJSON(as: NewKey.self, context: context)
        let name = new.name.trimmingCharacters(in: .whitespaces)
        var errors: [FieldError] = []
        if name.isEmpty || name.utf8.count > 100
            || name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        {
            errors.append(.init(field: "name", message: "must be 1 to 100 bytes of printable text"))
        }
        let role = new.role ?? principal.role
        if !role.isAtMost(principal.role) {
            errors.append(
                .init(field: "role", message: "must be no higher than your own role (\(principal.role.rawValue))"))
        }
        guard errors.isEmpty else { throw Problem.invalid(errors) }
        let (text, credential) = APIKeyCredential.make()
        let key = APIKey(
            id: credential.id, organizationId: principal.organizationId, userId: principal.userId, name: name,
            role: role,
            secretHash: credential.secretHash, createdAt: clock.now())
        try await store.createAPIKey(key)
        context.logger.info(
            "api key created", metadata: ["created.apikey.id": "\(key.id)", "created.apikey.role": "\(role.rawValue)"])
        return Created(location: "/v1/api-keys/\(key.id)", body: KeyResponse(key, text: text))
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> ListResponse<KeyResponse> {
        let principal = try context.require(.read)
        let keys = try await store.apiKeys(
            organizationId: principal.organizationId,
            userId: principal.role == .admin ? nil : principal.userId)
        return ListResponse(items: keys.map { KeyResponse($0) }, nextCursor: nil)
    }

    @Sendable func revoke(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.write)
        guard let id = context.parameters.get("id", as: APIKeyID.self), let key = try await store.apiKey(id: id),
            key.organizationId == principal.organizationId,
            principal.role == .admin || key.userId == principal.userId
        else { throw Problem.notFound("API key") }
        _ = try await store.revokeAPIKey(id: id, organizationId: principal.organizationId, at: clock.now())
        revocations.notifyAll()
        context.logger.info("api key revoked", metadata: ["revoked.apikey.id": "\(id)"])
        return Response(status: .noContent)
    }
}
