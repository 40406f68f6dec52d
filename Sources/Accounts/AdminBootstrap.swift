import ClipGenCore
import Foundation
import Logging
import Persistence

/// On first start with an empty database: an organisation and its admin.
public enum AdminBootstrap {
    public struct Result: Sendable {
        public var email: String
        /// Set when the password was generated; show it once.
        public var generatedPassword: String?
    }

    /// Returns nil when users already exist, or another process made the admin first. The
    /// organisation is homed in `homeRegion`, the region of the process that makes it.
    public static func run(
        store: some AccountStore, configuration: AccountsConfiguration, homeRegion: String? = nil,
        clock: WallClock = .system
    ) async throws -> Result? {
        guard try await store.userCount() == 0 else { return nil }
        let generated = configuration.adminPassword == nil ? randomPassword() : nil
        let password = configuration.adminPassword ?? generated!
        let organization = Organization(name: "default", createdAt: clock.now(), homeRegion: homeRegion)
        let hash = try await PasswordHasher.hash(password, cost: configuration.bcryptCost)
        let admin = User(
            organizationId: organization.id, email: configuration.adminEmail, passwordHash: hash, role: .admin,
            createdAt: clock.now())
        guard try await store.createFirstAdmin(admin, in: organization) else { return nil }
        return Result(email: configuration.adminEmail, generatedPassword: generated)
    }

    static func randomPassword() -> String {
        let alphabet = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<20).map { _ in alphabet.randomElement(using: &generator)! })
    }
}
