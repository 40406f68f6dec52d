import ClipGenCore
import GRDB
import Persistence

extension SQLiteJobStore {
    public func quotas(organizationId: OrganizationID) async throws -> OrganizationQuotas? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT quota_concurrent_jobs, quota_stored_bytes, quota_upload_bytes FROM organizations WHERE id = ?",
                             arguments: [organizationId]).map {
                OrganizationQuotas(concurrentJobs: $0["quota_concurrent_jobs"], storedBytes: $0["quota_stored_bytes"], uploadBytes: $0["quota_upload_bytes"])
            }
        }
    }

    @discardableResult
    public func setQuotas(_ quotas: OrganizationQuotas, organizationId: OrganizationID) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "UPDATE organizations SET quota_concurrent_jobs = ?, quota_stored_bytes = ?, quota_upload_bytes = ? WHERE id = ?",
                           arguments: [quotas.concurrentJobs, quotas.storedBytes, quotas.uploadBytes, organizationId])
            return db.changesCount > 0
        }
    }

    public func activeJobs(organizationId: OrganizationID) async throws -> Int {
        try read { db in try Self.activeJobs(db, organizationId) }
    }

    static func activeJobs(_ db: Database, _ organizationId: OrganizationID) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM jobs WHERE organization_id = ? AND status IN ('queued', 'running')"),
                         arguments: [organizationId]) ?? 0
    }

    public func usage(organizationId: OrganizationID) async throws -> OrganizationUsage {
        try read { db in
            let active = try Self.activeJobs(db, organizationId)
            // Uploads of the same bytes share one stored file: counted once.
            let uploads = try Int64.fetchOne(db, sql: """
                SELECT COALESCE(SUM(size), 0) FROM (SELECT MAX(size) AS size FROM uploads WHERE organization_id = ? GROUP BY blob_key)
                """, arguments: [organizationId]) ?? 0
            let clips = try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(size), 0) FROM clips WHERE organization_id = ?", arguments: [organizationId]) ?? 0
            return OrganizationUsage(activeJobs: active, storedBytes: uploads + clips)
        }
    }
}
