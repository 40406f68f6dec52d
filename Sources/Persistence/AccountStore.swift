import ClipGenCore

/// Organisations and their users.
public protocol AccountStore: Sendable {
    func userCount() async throws -> Int
    func createOrganization(_ organization: Organization) async throws
    /// Throws `StoreError.conflict` when the email is taken (compared without case).
    func createUser(_ user: User) async throws
    func user(id: UserID) async throws -> User?
    func user(email: String) async throws -> User?
    func users(organizationId: OrganizationID) async throws -> [User]
}
