import ClipGenCore
import Persistence
import PostgresNIO

extension PostgresJobStore {
    public func homeRegion(organizationId: OrganizationID) async throws -> String? {
        try await one("SELECT home_region FROM organizations WHERE id = \(organizationId)") {
            try $0.get("home_region", as: String?.self)
        } ?? nil
    }

    @discardableResult
    public func setHomeRegion(_ region: String?, organizationId: OrganizationID) async throws -> Bool {
        try await !all(
            "UPDATE organizations SET home_region = \(region) WHERE id = \(organizationId) RETURNING id"
        ) { _ in true }.isEmpty
    }
}
