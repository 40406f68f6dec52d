import Logging
import ClipGenCore
import Foundation
import Hummingbird
import HummingbirdBcrypt
import NIOPosix
import Persistence

/// `POST /v1/auth/token`, `GET /v1/me`, `POST|GET /v1/users`.
struct AuthRoutes<Store: AccountStore> {
    let store: Store
    let tokens: TokenService
    let bcryptCost: Int
    let clock: WallClock

    struct Credentials: Decodable {
        var email: String
        var password: String
    }

    struct TokenResponse: ResponseEncodable {
        var accessToken: String
        var tokenType = "bearer"
        var expiresIn: Int
    }

    struct NewUser: Decodable {
        var email: String
        var password: String
        var role: Role
    }

    func addPublic(to router: some RouterMethods<AppRequestContext>) {
        router.post("auth/token") { request, context -> TokenResponse in
            let credentials = try await request.decode(as: Credentials.self, context: context)
            // Trimmed as it was when the user was made, so " a@x " signs in as "a@x".
            guard let user = try await store.user(email: credentials.email.trimmingCharacters(in: .whitespaces)) else {
                // Spend the same bcrypt time as a real check, so timing does not reveal which emails exist.
                _ = try await PasswordHasher.hash(credentials.password, cost: bcryptCost)
                throw Problem.unauthorized("wrong email or password")
            }
            guard try await PasswordHasher.verify(credentials.password, hash: user.passwordHash) else {
                throw Problem.unauthorized("wrong email or password")
            }
            let (token, expiresIn) = try await tokens.issue(for: user)
            return TokenResponse(accessToken: token, expiresIn: expiresIn)
        }
    }

    func addAuthenticated(to router: some RouterMethods<AppRequestContext>) {
        router.get("me") { _, context -> UserResponse in
            let principal = try context.require(.read)
            guard let user = try await store.user(id: principal.userId) else { throw Problem.notFound("user") }
            return UserResponse(user)
        }
        router.post("users") { request, context -> Created<UserResponse> in
            let principal = try context.require(.manage)
            let new = try await request.decode(as: NewUser.self, context: context)
            var errors: [FieldError] = []
            let email = new.email.trimmingCharacters(in: .whitespaces)
            if !Self.looksLikeEmail(email) { errors.append(.init(field: "email", message: "not an email address")) }
            if new.password.utf8.count < 8 || new.password.utf8.count > 72 {
                errors.append(.init(field: "password", message: "must be 8 to 72 bytes long"))
            }
            guard errors.isEmpty else { throw Problem.invalid(errors) }
            let hash = try await PasswordHasher.hash(new.password, cost: bcryptCost)
            let user = User(organizationId: principal.organizationId, email: email, passwordHash: hash, role: new.role, createdAt: clock.now())
            try await store.createUser(user)
            context.logger.info("user created", metadata: ["created.user.id": "\(user.id)", "created.user.role": "\(user.role.rawValue)"])
            return Created(location: nil, body: UserResponse(user))
        }
        router.get("users") { _, context -> ListResponse<UserResponse> in
            let principal = try context.require(.manage)
            return ListResponse(items: try await store.users(organizationId: principal.organizationId).map(UserResponse.init), nextCursor: nil)
        }
    }

    static func looksLikeEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@")
        // No spaces or control characters: they end up in logs, audit lines and emails.
        return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty && text.utf8.count <= 254
            && !text.unicodeScalars.contains { $0 == " " || $0.properties.generalCategory == .control || $0.properties.generalCategory == .format }
    }
}

/// bcrypt off the cooperative pool: it is deliberately slow.
public enum PasswordHasher {
    public static func hash(_ password: String, cost: Int) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: UInt8(clamping: min(max(cost, 4), 31))) }
    }

    public static func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }
}
