import ClipGenCore
import Persistence
import PostgresNIO

extension PostgresJobStore {
    public func quotas(organizationId: OrganizationID) async throws -> OrganizationQuotas? {
        try await one("SELECT quota_concurrent_jobs, quota_stored_bytes, quota_upload_bytes FROM organizations WHERE id = \(organizationId)") {
            OrganizationQuotas(concurrentJobs: try $0.get("quota_concurrent_jobs", as: Int?.self), storedBytes: try $0.get("quota_stored_bytes", as: Int64?.self),
                               uploadBytes: try $0.get("quota_upload_bytes", as: Int64?.self))
        }
    }

    @discardableResult
    public func setQuotas(_ quotas: OrganizationQuotas, organizationId: OrganizationID) async throws -> Bool {
        try await one("""
            UPDATE organizations SET quota_concurrent_jobs = \(quotas.concurrentJobs), quota_stored_bytes = \(quotas.storedBytes),
                                     quota_upload_bytes = \(quotas.uploadBytes)
            WHERE id = \(organizationId) RETURNING id
            """) { _ in true } ?? false
    }

    public func activeJobs(organizationId: OrganizationID) async throws -> Int {
        try await one("SELECT COUNT(*) AS n FROM jobs WHERE organization_id = \(organizationId) AND status IN ('queued', 'running')") {
            try $0.get("n", as: Int.self)
        } ?? 0
    }

    public func usage(organizationId: OrganizationID) async throws -> OrganizationUsage {
        try await one("""
            SELECT (SELECT COUNT(*) FROM jobs WHERE organization_id = \(organizationId) AND status IN ('queued', 'running')) AS active,
                   (SELECT COALESCE(SUM(size), 0) FROM (SELECT MAX(size) AS size FROM uploads WHERE organization_id = \(organizationId) GROUP BY blob_key) u)::BIGINT
                   + (SELECT COALESCE(SUM(size), 0) FROM clips WHERE organization_id = \(organizationId))::BIGINT AS stored
            """) { OrganizationUsage(activeJobs: try $0.get("active", as: Int.self), storedBytes: try $0.get("stored", as: Int64.self)) }
            ?? OrganizationUsage(activeJobs: 0, storedBytes: 0)
    }
}
