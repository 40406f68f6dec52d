import Logging
import ClipGenCore
import Foundation
import Hummingbird
import Persistence

/// `POST /v1/auth/token`, `GET /v1/me`, `POST /v1/me/password`, `POST|GET /v1/users`,
/// `PATCH /v1/users/{id}`.
struct AuthRoutes<Store: AccountStore> {
    let store: Store
    let tokens: TokenService
    let hasher: PasswordHasher
    let loginGuard: LoginGuard
    let trustedProxies: Set<String>
    let clock: WallClock
    let metrics: APIMetrics

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

    struct PasswordChange: Decodable {
        var currentPassword: String
        var newPassword: String
    }

    struct UserChange: Decodable {
        var role: Role?
        var disabled: Bool?
        var password: String?
    }

    func addPublic(to router: some RouterMethods<AppRequestContext>) {
        router.post("auth/token") { request, context -> TokenResponse in
            let credentials = try await request.decodeJSON(as: Credentials.self, context: context)
            // Trimmed as it was when the user was made, so " a@x " signs in as "a@x".
            let email = credentials.email.trimmingCharacters(in: .whitespaces)
            let address = context.clientAddress(of: request, trusting: trustedProxies)
            let found = try await store.user(email: email)
            // Failed and locked sign-ins of a known account are its organisation's to see.
            if let found { context.audit.caller(organizationId: found.organizationId, userId: found.id, apiKeyId: nil) }
            switch try await loginGuard.verdict(email: email, address: address) {
            case .locked(let reason):
                context.logger.notice("sign-in refused: locked", metadata: ["login.reason": "\(reason)"])
                metrics.loginFailed("locked")
                throw Problem.retryLater(.tooManyRequests, after: loginGuard.policy.window.components.seconds, "\(reason); try again later")
            case .allowed(let delay):
                if delay > .zero { try await Task.sleep(for: delay) }
            }
            guard let user = found else {
                try await hasher.verifyUnknownAccount(credentials.password)
                try await loginGuard.recordFailure(email: email, address: address)
                metrics.loginFailed("unknown_account")
                throw Problem.unauthorized("wrong email or password")
            }
            guard try await hasher.verify(credentials.password, hash: user.passwordHash) else {
                try await loginGuard.recordFailure(email: email, address: address)
                context.logger.notice("sign-in failed", metadata: ["login.user.id": "\(user.id)"])
                metrics.loginFailed("wrong_password")
                throw Problem.unauthorized("wrong email or password")
            }
            guard !user.disabled else {
                metrics.loginFailed("disabled")
                throw Problem(status: .forbidden, detail: "this account is disabled; ask an admin of your organisation")
            }
            if hasher.needsRehash(user.passwordHash) {
                // The operator changed the cost: the password is at hand only now.
                var upgraded = user
                upgraded.passwordHash = try await hasher.hash(credentials.password)
                try await store.updateUser(upgraded)
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
        router.post("me/password") { request, context -> TokenResponse in
            let principal = try context.require(.read)
            let change = try await request.decodeJSON(as: PasswordChange.self, context: context)
            if let problem = PasswordPolicy.problem(with: change.newPassword) {
                throw Problem.invalid([.init(field: "newPassword", message: problem)])
            }
            guard var user = try await store.user(id: principal.userId) else { throw Problem.notFound("user") }
            guard try await hasher.verify(change.currentPassword, hash: user.passwordHash) else {
                throw Problem(status: .forbidden, detail: "the current password is wrong")
            }
            user.passwordHash = try await hasher.hash(change.newPassword)
            user.tokenVersion += 1
            try await store.updateUser(user)
            context.logger.info("password changed", metadata: ["changed.user.id": "\(user.id)"])
            // Every earlier token is now void; the caller gets a fresh one to carry on with.
            let (token, expiresIn) = try await tokens.issue(for: user)
            return TokenResponse(accessToken: token, expiresIn: expiresIn)
        }
        // A token for media URLs (`?access_token=` on clip, thumbnail, upload and storyboard
        // GETs), as long-lived as a sign-in but good for reading media only.
        router.post("auth/media-token") { _, context -> TokenResponse in
            let principal = try context.require(.read)
            guard principal.apiKeyId == nil, let user = try await store.user(id: principal.userId) else {
                throw Problem(status: .forbidden, detail: "media tokens are for signed-in users; an API key sends its Authorization header")
            }
            let (token, expiresIn) = try await tokens.issue(for: user, scope: .media)
            return TokenResponse(accessToken: token, expiresIn: expiresIn)
        }
        router.post("users") { request, context -> Created<UserResponse> in
            let principal = try context.require(.manage)
            let new = try await request.decodeJSON(as: NewUser.self, context: context)
            var errors: [FieldError] = []
            let email = new.email.trimmingCharacters(in: .whitespaces)
            if !EmailAddress.isPlausible(email) { errors.append(.init(field: "email", message: "not an email address")) }
            if let problem = PasswordPolicy.problem(with: new.password) { errors.append(.init(field: "password", message: problem)) }
            guard errors.isEmpty else { throw Problem.invalid(errors) }
            let hash = try await hasher.hash(new.password)
            let user = User(organizationId: principal.organizationId, email: email, passwordHash: hash, role: new.role, createdAt: clock.now())
            try await store.createUser(user)
            context.logger.info("user created", metadata: ["created.user.id": "\(user.id)", "created.user.role": "\(user.role.rawValue)"])
            return Created(location: nil, body: UserResponse(user))
        }
        router.get("users") { _, context -> ListResponse<UserResponse> in
            let principal = try context.require(.manage)
            return ListResponse(items: try await store.users(organizationId: principal.organizationId).map(UserResponse.init), nextCursor: nil)
        }
        router.patch("users/{id}") { request, context -> UserResponse in
            let principal = try context.require(.manage)
            guard let id = context.parameters.get("id", as: UserID.self), var user = try await store.user(id: id),
                  user.organizationId == principal.organizationId else { throw Problem.notFound("user") }
            let change = try await request.decodeJSON(as: UserChange.self, context: context)
            if user.id == principal.userId, change.role.map({ $0 != .admin }) == true || change.disabled == true {
                throw Problem(status: .conflict, detail: "admins cannot demote or disable themselves; ask another admin")
            }
            if let password = change.password, let problem = PasswordPolicy.problem(with: password) {
                throw Problem.invalid([.init(field: "password", message: problem)])
            }
            if let role = change.role { user.role = role }
            if let disabled = change.disabled, disabled != user.disabled {
                user.disabled = disabled
                user.tokenVersion += 1
            }
            if let password = change.password {
                user.passwordHash = try await hasher.hash(password)
                user.tokenVersion += 1
            }
            guard try await store.updateUser(user) else { throw Problem.notFound("user") }
            context.logger.info("user changed", metadata: ["changed.user.id": "\(user.id)", "changed.user.role": "\(user.role.rawValue)",
                                                           "changed.user.disabled": "\(user.disabled)"])
            return UserResponse(user)
        }
    }
}
