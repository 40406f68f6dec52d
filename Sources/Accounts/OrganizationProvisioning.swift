import ClipGenCore
import Foundation
import Persistence

/// A new organisation with its first admin: what an operator does for each customer, from the
/// CLI (`clipgen admin org create`) or `POST /v1/organizations` with the operator token.
public enum OrganizationProvisioning {
    public struct Result: Sendable {
        public var organization: Organization
        public var admin: User
        /// Set when no password was given; shown once.
        public var generatedPassword: String?
    }

    /// Throws `AccountError.invalid` naming each bad field, `StoreError.conflict` for a taken email;
    /// writes nothing then. `homeRegion`: where its work runs, in a deployment of several regions.
    public static func create(
        name: String, adminEmail: String, adminPassword: String?, homeRegion: String? = nil,
        store: some AccountStore, bcryptCost: Int, clock: WallClock = .system
    ) async throws -> Result {
        let name = name.trimmingCharacters(in: .whitespaces)
        let email = adminEmail.trimmingCharacters(in: .whitespaces)
        var errors: [FieldError] = []
        if name.isEmpty || name.utf8.count > 100
            || name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        {
            errors.append(.init(field: "name", message: "must be 1 to 100 bytes of printable text"))
        }
        if !EmailAddress.isPlausible(email) {
            errors.append(.init(field: "adminEmail", message: "not an email address"))
        }
        if let password = adminPassword, let problem = PasswordPolicy.problem(with: password) {
            errors.append(.init(field: "adminPassword", message: problem))
        }
        if let homeRegion, !RegionConfiguration.isName(homeRegion) {
            errors.append(.init(field: "homeRegion", message: "must be 1 to 32 lowercase letters, digits and '-'"))
        }
        guard errors.isEmpty else { throw AccountError.invalid(errors) }
        let generated = adminPassword == nil ? AdminBootstrap.randomPassword() : nil
        let organization = Organization(name: name, createdAt: clock.now(), homeRegion: homeRegion)
        let admin = User(
            organizationId: organization.id, email: email,
            passwordHash: try await PasswordHasher.hash(adminPassword ?? generated!, cost: bcryptCost), role: .admin,
            createdAt: clock.now())
        try await store.createOrganization(organization, admin: admin)
        return Result(organization: organization, admin: admin, generatedPassword: generated)
    }
}
