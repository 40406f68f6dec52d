import Accounts
import ClipGenCore
import Coordination
import Foundation
import Hummingbird
import Logging
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
    /// Told of every password change and disabling, so open event sockets close at once.
    let revocations: Notifier

    struct Credentials: Decodable {
        var email: String
        var password: String
        /// Which organisation's account, when one email has accounts in several.
        var organizationId: OrganizationID?
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
        router.post("auth/token", use: signIn)
    }

    @Sendable func signIn(_ request: Request, context: AppRequestContext) async throws -> TokenResponse {
        // Its body is read before anyone is known: only within the share of anonymous requests.
        try context.anonymous.requireRoom()
        let credentials = try await request.decodeJSON(as: Credentials.self, context: context)
        // Trimmed as it was when the user was made, so " a@x " signs in as "a@x".
        let email = credentials.email.trimmingCharacters(in: .whitespaces)
        let address = context.clientAddress(of: request, trusting: trustedProxies)
        let caller = "address:" + (address.map(ClientAddress.limitKey) ?? "unknown")
        let candidates = try await store.users(email: email).filter { account in
            credentials.organizationId.map { $0 == account.organizationId } ?? true
        }
        // Failed and locked sign-ins of a known account are its organisation's to see.
        if candidates.count == 1, let found = candidates.first {
            context.audit.caller(organizationId: found.organizationId, userId: found.id, apiKeyId: nil)
        }
        try await admit(email: email, address: address, context: context)
        // No stored password has a control character (bcrypt would stop at a NUL): such a
        // password is wrong, and is checked like an unknown account's so it takes as long.
        guard !candidates.isEmpty, !PasswordPolicy.hasControlCharacters(credentials.password) else {
            try await hasher.verifyUnknownAccount(
                credentials.password, storedCosts: { try await store.passwordHashCosts() }, for: caller)
            metrics.loginFailed("unknown_account")
            throw Problem.unauthorized("wrong email or password")
        }
        var matched: [User] = []
        for account in candidates {
            if try await hasher.verify(credentials.password, hash: account.passwordHash, for: caller) {
                matched.append(account)
            }
        }
        guard let user = matched.first else {
            context.logger.notice("sign-in failed", metadata: ["login.user.id": "\(candidates[0].id)"])
            metrics.loginFailed("wrong_password")
            throw Problem.unauthorized("wrong email or password")
        }
        try await loginGuard.succeeded(email: email, addressKey: address.map(ClientAddress.limitKey))
        guard matched.count == 1 else {
            // Only someone with the password gets this far: it says nothing to a guesser.
            throw Problem(
                status: .conflict,
                detail: "this email and password sign in to \(matched.count) organisations; "
                    + """
                    send organizationId to choose one \
                    (\(matched.map(\.organizationId.rawValue).joined(separator: ", ")))
                    """
            )
        }
        context.audit.caller(organizationId: user.organizationId, userId: user.id, apiKeyId: nil)
        guard !user.disabled else {
            metrics.loginFailed("disabled")
            throw Problem(status: .forbidden, detail: "this account is disabled; ask an admin of your organisation")
        }
        if hasher.needsRehash(user.passwordHash) {
            // The operator changed the cost: the password is at hand only now.
            var upgraded = user
            upgraded.passwordHash = try await hasher.hash(credentials.password, for: caller)
            try await store.updateUser(upgraded)
        }
        let (token, expiresIn) = try await tokens.issue(for: user)
        return TokenResponse(accessToken: token, expiresIn: expiresIn)
    }

    /// Counts a password attempt at `email` before it is checked, and waits or refuses as the
    /// guard says.
    private func admit(email: String, address: String?, context: AppRequestContext) async throws {
        switch try await loginGuard.begin(email: email, addressKey: address.map(ClientAddress.limitKey)) {
        case .locked(let reason):
            context.logger.notice("password attempt refused: locked", metadata: ["login.reason": "\(reason)"])
            metrics.loginFailed("locked")
            throw Problem.retryLater(
                .tooManyRequests, after: loginGuard.policy.window.components.seconds, "\(reason); try again later")
        case .allowed(let delay):
            if delay > .zero { try await Task.sleep(for: delay) }
        }
    }

    func addAuthenticated(to router: some RouterMethods<AppRequestContext>) {
        router.get("me", use: me)
        router.post("me/password", use: changePassword)
        // A token for media URLs (`?access_token=` on clip, thumbnail, upload and storyboard
        // GETs), as long-lived as a sign-in but good for reading media only.
        router.post("auth/media-token", use: mediaToken)
        router.post("users", use: createUser)
        router.get("users", use: listUsers)
        router.patch("users/{id}", use: updateUser)
    }

    @Sendable func me(_ request: Request, context: AppRequestContext) async throws -> UserResponse {
        let principal = try context.require(.read)
        guard let user = try await store.user(id: principal.userId) else { throw Problem.notFound("user") }
        return UserResponse(user)
    }

    @Sendable func changePassword(_ request: Request, context: AppRequestContext) async throws -> TokenResponse {
        let principal = try context.require(.read)
        // A key, however capped, must not lead to a token with its user's full rights, nor to
        // a way around the sign-in guard: only a signed-in session changes its password.
        guard principal.apiKeyId == nil else {
            throw Problem(
                status: .forbidden,
                detail: "an API key cannot change a password; sign in with POST /v1/auth/token first")
        }
        let change = try await request.decodeJSON(as: PasswordChange.self, context: context)
        if let problem = PasswordPolicy.problem(with: change.newPassword) {
            throw Problem.invalid([.init(field: "newPassword", message: problem)])
        }
        guard var user = try await store.user(id: principal.userId) else { throw Problem.notFound("user") }
        let address = context.clientAddress(of: request, trusting: trustedProxies)
        let caller = "user:\(user.id)"
        // Guessing the current password here is guessing at sign-in: the same guard counts it.
        try await admit(email: user.email, address: address, context: context)
        guard !PasswordPolicy.hasControlCharacters(change.currentPassword),
            try await hasher.verify(change.currentPassword, hash: user.passwordHash, for: caller)
        else {
            metrics.loginFailed("wrong_password")
            throw Problem(status: .forbidden, detail: "the current password is wrong")
        }
        try await loginGuard.succeeded(email: user.email, addressKey: address.map(ClientAddress.limitKey))
        user.passwordHash = try await hasher.hash(change.newPassword, for: caller)
        user.tokenVersion += 1
        try await store.updateUser(user)
        revocations.notifyAll()
        context.logger.info("password changed", metadata: ["changed.user.id": "\(user.id)"])
        // Every earlier token is now void; the caller, signed in as this user, gets a fresh one.
        let (token, expiresIn) = try await tokens.issue(for: user)
        return TokenResponse(accessToken: token, expiresIn: expiresIn)
    }

    @Sendable func mediaToken(_ request: Request, context: AppRequestContext) async throws -> TokenResponse {
        let principal = try context.require(.read)
        guard principal.apiKeyId == nil, let user = try await store.user(id: principal.userId) else {
            throw Problem(
                status: .forbidden,
                detail: "media tokens are for signed-in users; an API key sends its Authorization header")
        }
        let (token, expiresIn) = try await tokens.issue(for: user, scope: .media)
        return TokenResponse(accessToken: token, expiresIn: expiresIn)
    }

    @Sendable func createUser(_ request: Request, context: AppRequestContext) async throws -> Created<UserResponse> {
        let principal = try context.require(.manage)
        let new = try await request.decodeJSON(as: NewUser.self, context: context)
        var errors: [FieldError] = []
        let email = new.email.trimmingCharacters(in: .whitespaces)
        if !EmailAddress.isPlausible(email) { errors.append(.init(field: "email", message: "not an email address")) }
        if let problem = PasswordPolicy.problem(with: new.password) {
            errors.append(.init(field: "password", message: problem))
        }
        guard errors.isEmpty else { throw Problem.invalid(errors) }
        let hash = try await hasher.hash(new.password, for: "user:\(principal.userId)")
        let user = User(
            organizationId: principal.organizationId, email: email, passwordHash: hash, role: new.role,
            createdAt: clock.now())
        try await store.createUser(user)
        context.logger.info(
            "user created", metadata: ["created.user.id": "\(user.id)", "created.user.role": "\(user.role.rawValue)"])
        return Created(location: nil, body: UserResponse(user))
    }

    @Sendable func listUsers(_ request: Request, context: AppRequestContext) async throws -> ListResponse<UserResponse>
    {
        let principal = try context.require(.manage)
        return ListResponse(
            items: try await store.users(organizationId: principal.organizationId).map(UserResponse.init),
            nextCursor: nil)
    }

    @Sendable func updateUser(_ request: Request, context: AppRequestContext) async throws -> UserResponse {
        let principal = try context.require(.manage)
        guard let id = context.parameters.get("id", as: UserID.self), var user = try await store.user(id: id),
            user.organizationId == principal.organizationId
        else { throw Problem.notFound("user") }
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
            user.passwordHash = try await hasher.hash(password, for: "user:\(principal.userId)")
            user.tokenVersion += 1
        }
        guard try await store.updateUser(user) else { throw Problem.notFound("user") }
        revocations.notifyAll()
        context.logger.info(
            "user changed",
            metadata: [
                "changed.user.id": "\(user.id)", "changed.user.role": "\(user.role.rawValue)",
                "changed.user.disabled": "\(user.disabled)",
            ])
        return UserResponse(user)
    }
}
