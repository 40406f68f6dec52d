import ClipGenCore
import Foundation
import Persistence
import PostgresNIO

extension PostgresJobStore {
    public func quotas(organizationId: OrganizationID) async throws -> OrganizationQuotas? {
        try await one(
            """
            SELECT quota_concurrent_jobs, quota_stored_bytes, quota_upload_bytes FROM organizations WHERE id = \
            \(organizationId)
            """
        ) {
            OrganizationQuotas(
                concurrentJobs: try $0.get("quota_concurrent_jobs", as: Int?.self),
                storedBytes: try $0.get("quota_stored_bytes", as: Int64?.self),
                uploadBytes: try $0.get("quota_upload_bytes", as: Int64?.self))
        }
    }

    @discardableResult
    public func setQuotas(_ quotas: OrganizationQuotas, organizationId: OrganizationID) async throws -> Bool {
        try await one(
            """
            UPDATE organizations SET quota_concurrent_jobs = \(quotas.concurrentJobs),
                quota_stored_bytes = \(quotas.storedBytes), quota_upload_bytes = \(quotas.uploadBytes)
            WHERE id = \(organizationId) RETURNING id
            """
        ) { _ in true } ?? false
    }

    public func activeJobs(organizationId: OrganizationID) async throws -> Int {
        try await one(
            """
            SELECT COUNT(*) AS n FROM jobs WHERE organization_id = \(organizationId) AND status IN ('queued', \
            'running')
            """
        ) {
            try $0.get("n", as: Int.self)
        } ?? 0
    }

    public func usage(organizationId: OrganizationID) async throws -> OrganizationUsage {
        let now = self.now
        let query = Self.storedBytesQuery(
            organizationId, now: now, excluding: nil,
            select: """
                SELECT (SELECT COUNT(*) FROM jobs WHERE organization_id = $1 AND status IN ('queued', 'running'))
                    AS active,
                """)
        return try await one(query) {
            OrganizationUsage(
                activeJobs: try $0.get("active", as: Int.self), storedBytes: try $0.get("stored", as: Int64.self))
        } ?? OrganizationUsage(activeJobs: 0, storedBytes: 0)
    }

    /// `select` followed by `stored`: uploads (each stored file once), clips, and live
    /// reservations, a job's only while it is queued or running, less what it has stored.
    /// `select` may use $1, the organisation.
    static func storedBytesQuery(
        _ organizationId: OrganizationID, now: Double, excluding reservation: String?, select: String
    ) -> PostgresQuery {
        var binds = PostgresBindings()
        binds.append(organizationId.rawValue)
        binds.append(now)
        if let reservation { binds.append(reservation) } else { binds.appendNull() }
        return PostgresQuery(unsafeSQL: select + storedBytesSQL + " AS stored", binds: binds)
    }

    private static let storedBytesSQL = """
        ((SELECT COALESCE(SUM(size), 0) FROM (SELECT MAX(size) AS size FROM uploads WHERE organization_id = $1
            GROUP BY blob_key) u)
         + (SELECT COALESCE(SUM(size + renditions_size), 0) FROM clips WHERE organization_id = $1)
         + (SELECT COALESCE(SUM(CASE
                WHEN r.job_id IS NULL OR j.id IS NULL THEN r.bytes
                WHEN j.status IN ('queued', 'running')
                    THEN GREATEST(0, r.bytes - (SELECT COALESCE(SUM(c.size + c.renditions_size), 0) FROM clips c WHERE c.job_id = j.id))
                ELSE 0 END), 0)
            FROM storage_reservations r LEFT JOIN jobs j ON j.id = r.job_id
            WHERE r.organization_id = $1 AND r.expires_at > $2 AND r.id IS DISTINCT FROM $3::TEXT))::BIGINT
        """

    public func reserveStorage(_ reservation: StorageReservation, limit: Int64?) async throws -> Bool {
        let now = self.now
        return try await transaction { connection in
            // The organisation's row, locked: reservations of one organisation are decided one at a time.
            guard
                try await self.one(
                    "SELECT id FROM organizations WHERE id = \(reservation.organizationId) FOR UPDATE",
                    on: connection, { _ in true }) == true
            else { return false }
            try await self.execute(
                """
                DELETE FROM storage_reservations WHERE organization_id = \(reservation.organizationId)
                    AND (expires_at <= \(now)
                   OR job_id IN (SELECT id FROM jobs WHERE status NOT IN ('queued', 'running')))
                """, on: connection)
            if let limit {
                let query = Self.storedBytesQuery(
                    reservation.organizationId, now: now, excluding: reservation.id, select: "SELECT ")
                let used =
                    try await self.one(query, on: connection) {
                        try $0.get("stored", as: Int64.self)
                    } ?? 0
                if used + reservation.bytes > limit { return false }
            }
            try await self.execute(
                """
                INSERT INTO storage_reservations (id, organization_id, job_id, bytes, expires_at)
                VALUES (\(reservation.id), \(reservation.organizationId), \(reservation.jobId), \(reservation.bytes),
                        \(reservation.expiresAt.timeIntervalSince1970))
                ON CONFLICT (id) DO UPDATE SET bytes = EXCLUDED.bytes, expires_at = EXCLUDED.expires_at,
                    job_id = EXCLUDED.job_id
                """, on: connection)
            return true
        }
    }

    public func releaseStorage(id: String) async throws {
        _ = try await one("DELETE FROM storage_reservations WHERE id = \(id) RETURNING id") { _ in true }
    }
}
