import ClipGenCore
import GRDB
import Persistence

extension SQLiteJobStore {
    public func homeRegion(organizationId: OrganizationID) async throws -> String? {
        try read { db in
            try String.fetchOne(
                db, sql: "SELECT home_region FROM organizations WHERE id = ?", arguments: [organizationId])
        }
    }

    @discardableResult
    public func setHomeRegion(_ region: String?, organizationId: OrganizationID) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE organizations SET home_region = ? WHERE id = ?", arguments: [region, organizationId])
            return db.changesCount > 0
        }
    }
}
