import ClipGenCore
import Foundation

/// Organisations and their users.
public protocol AccountStore: Sendable {
    func userCount() async throws -> Int
    /// On a database without users: `organization` and its `admin`, in one transaction, and
    /// true. False, with nothing written, when a user exists: API replicas starting together
    /// race to bootstrap, and exactly one wins.
    func createFirstAdmin(_ admin: User, in organization: Organization) async throws -> Bool
    func createOrganization(_ organization: Organization) async throws
    /// A new organisation with its first admin, in one transaction.
    func createOrganization(_ organization: Organization, admin: User) async throws
    /// Throws `StoreError.conflict` when the organisation already has a user with this email
    /// (compared without case); other organisations' users do not matter.
    func createUser(_ user: User) async throws
    /// Writes the user's role, password hash, `disabled` and `tokenVersion` (not the email or
    /// organisation). False when no such user exists.
    @discardableResult
    func updateUser(_ user: User) async throws -> Bool
    func user(id: UserID) async throws -> User?
    /// Every organisation's user with this email (compared without case), oldest first: emails
    /// are unique per organisation, so one address may sign in to several.
    func users(email: String) async throws -> [User]
    func users(organizationId: OrganizationID) async throws -> [User]

    func createAPIKey(_ key: APIKey) async throws
    /// The key with this id in any organisation (sign-in looks keys up by id, then checks the secret).
    func apiKey(id: APIKeyID) async throws -> APIKey?
    /// The organisation's keys, or only `userId`'s, revoked ones included, newest first.
    func apiKeys(organizationId: OrganizationID, userId: UserID?) async throws -> [APIKey]
    /// Marks the key revoked at `at`; false when it is absent or not the organisation's.
    func revokeAPIKey(id: APIKeyID, organizationId: OrganizationID, at: Date) async throws -> Bool
    /// Records a use (callers write at most about once a minute per key).
    func touchAPIKey(id: APIKeyID, at: Date) async throws
    /// How many stored password hashes there are at each bcrypt cost: sign-ins for unknown
    /// emails spend what the typical stored hash costs, so the time does not tell them apart.
    func passwordHashCosts() async throws -> [Int: Int]
}

extension AccountStore {
    /// The oldest account with this email: where one address has only one account (tests, the
    /// first admin), that one.
    public func user(email: String) async throws -> User? {
        try await users(email: email).first
    }
}

/// The cost a bcrypt hash (`$2b$12$…`) was made at; nil for anything else.
public func bcryptCost(of hash: String) -> Int? {
    let parts = hash.split(separator: "$", omittingEmptySubsequences: true)
    guard parts.count >= 2, parts[0].hasPrefix("2") else { return nil }
    return Int(parts[1])
}
