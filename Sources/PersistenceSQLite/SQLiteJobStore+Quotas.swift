import ClipGenCore
import Foundation
import GRDB
import Persistence

extension SQLiteJobStore {
    public func quotas(organizationId: OrganizationID) async throws -> OrganizationQuotas? {
        try read { db in
            try Row.fetchOne(
                db,
                sql:
                    """
                    SELECT quota_concurrent_jobs, quota_stored_bytes, quota_upload_bytes FROM organizations WHERE \
                    id = ?
                    """,
                arguments: [organizationId]
            ).map {
                OrganizationQuotas(
                    concurrentJobs: $0["quota_concurrent_jobs"], storedBytes: $0["quota_stored_bytes"],
                    uploadBytes: $0["quota_upload_bytes"])
            }
        }
    }

    @discardableResult
    public func setQuotas(_ quotas: OrganizationQuotas, organizationId: OrganizationID) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql:
                    """
                    UPDATE organizations SET quota_concurrent_jobs = ?, quota_stored_bytes = ?, \
                    quota_upload_bytes = ? WHERE id = ?
                    """,
                arguments: [quotas.concurrentJobs, quotas.storedBytes, quotas.uploadBytes, organizationId])
            return db.changesCount > 0
        }
    }

    public func activeJobs(organizationId: OrganizationID) async throws -> Int {
        try read { db in try Self.activeJobs(db, organizationId) }
    }

    static func activeJobs(_ db: Database, _ organizationId: OrganizationID) throws -> Int {
        try Int.fetchOne(
            db.cachedStatement(
                sql: "SELECT COUNT(*) FROM jobs WHERE organization_id = ? AND status IN ('queued', 'running')"),
            arguments: [organizationId]) ?? 0
    }

    public func usage(organizationId: OrganizationID) async throws -> OrganizationUsage {
        let now = self.now
        return try read { db in
            OrganizationUsage(
                activeJobs: try Self.activeJobs(db, organizationId),
                storedBytes: try Self.storedBytes(db, organizationId, now: now, excluding: nil))
        }
    }

    /// Uploads (each stored file once), clips, and live reservations: a job's only while it is
    /// queued or running, less what it has stored.
    static func storedBytes(
        _ db: Database, _ organizationId: OrganizationID, now: Double, excluding reservation: String?
    ) throws -> Int64 {
        try Int64.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT (SELECT COALESCE(SUM(size), 0) FROM (SELECT MAX(size) AS size FROM uploads
                        WHERE organization_id = ?1 GROUP BY blob_key))
                         + (SELECT COALESCE(SUM(size + renditions_size), 0) FROM clips WHERE organization_id = ?1)
                         + (SELECT COALESCE(SUM(CASE
                                WHEN r.job_id IS NULL OR j.id IS NULL THEN r.bytes
                                WHEN j.status IN ('queued', 'running')
                                    THEN MAX(0, r.bytes - (SELECT COALESCE(SUM(c.size + c.renditions_size), 0) FROM clips c
                                        WHERE c.job_id = j.id))
                                ELSE 0 END), 0)
                            FROM storage_reservations r LEFT JOIN jobs j ON j.id = r.job_id
                            WHERE r.organization_id = ?1 AND r.expires_at > ?2 AND r.id IS NOT ?3)
                    """), arguments: [organizationId, now, reservation]) ?? 0
    }

    public func reserveStorage(_ reservation: StorageReservation, limit: Int64?) async throws -> Bool {
        let now = self.now
        // A write transaction: SQLite runs one at a time, so nothing is reserved between the sum and the insert.
        return try await pool.write { db in
            try db.execute(
                sql: """
                    DELETE FROM storage_reservations WHERE expires_at <= ?
                       OR job_id IN (SELECT id FROM jobs WHERE status NOT IN ('queued', 'running'))
                    """, arguments: [now])
            if let limit,
                try Self.storedBytes(db, reservation.organizationId, now: now, excluding: reservation.id)
                    + reservation.bytes > limit
            {
                return false
            }
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO storage_reservations (id, organization_id, job_id, bytes, expires_at)
                        VALUES (?, ?, ?, ?, ?)
                    """,
                arguments: [
                    reservation.id, reservation.organizationId, reservation.jobId, reservation.bytes,
                    reservation.expiresAt.timeIntervalSince1970,
                ])
            return true
        }
    }

    public func releaseStorage(id: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM storage_reservations WHERE id = ?", arguments: [id])
        }
    }
}
