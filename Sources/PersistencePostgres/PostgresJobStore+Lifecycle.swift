import ClipGenCore
import Foundation
import Persistence
import PostgresNIO

extension PostgresJobStore {
    public func retention(organizationId: OrganizationID) async throws -> RetentionSettings? {
        try await one("SELECT retention FROM organizations WHERE id = \(organizationId)") {
            try $0.json("retention", as: RetentionSettings.self) ?? RetentionSettings()
        }
    }

    @discardableResult
    public func setRetention(_ settings: RetentionSettings, organizationId: OrganizationID) async throws -> Bool {
        let text = try JSONCoding.encode(settings)
        return try await !all(
            "UPDATE organizations SET retention = \(text) WHERE id = \(organizationId) RETURNING id"
        ) { _ in true }.isEmpty
    }

    public func retentionByOrganization() async throws -> [OrganizationID: RetentionSettings] {
        Dictionary(
            uniqueKeysWithValues: try await all("SELECT id, retention FROM organizations") {
                (
                    try $0.get("id", as: OrganizationID.self),
                    try $0.json("retention", as: RetentionSettings.self) ?? RetentionSettings()
                )
            })
    }

    public func expire(
        _ category: RetentionCategory, organizationId: OrganizationID?, before cutoff: Date,
        sparing: Set<UploadID>, limit: Int
    ) async throws -> Expiry {
        let cutoff = cutoff.timeIntervalSince1970
        guard let organizationId else {
            guard category == .audit else { return Expiry() }
            return Expiry(
                rows: try await all(
                    """
                    DELETE FROM audit_events WHERE seq IN (SELECT seq FROM audit_events
                        WHERE organization_id IS NULL AND at < \(cutoff) ORDER BY seq LIMIT \(limit))
                    RETURNING seq
                    """
                ) { _ in true }.count)
        }
        let terminal = [JobStatus.succeeded, .failed, .cancelled].map(\.rawValue)
        return try await transaction { connection in
            switch category {
            case .uploads:
                let spared = sparing.map(\.rawValue)
                let rows = try await self.all(
                    """
                    DELETE FROM uploads WHERE id IN (SELECT u.id FROM uploads u WHERE u.organization_id = \(organizationId)
                        AND u.created_at < \(cutoff) AND NOT (u.id = ANY(\(spared)))
                        AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.upload_id = u.id AND j.status IN ('queued', 'running'))
                        ORDER BY u.created_at LIMIT \(limit) FOR UPDATE)
                    RETURNING id, blob_key
                    """, on: connection
                ) { (try $0.get("id", as: UploadID.self), try BlobKey(row: $0, "blob_key")) }
                var blobs = try rows.map { try Transcript.blobKey(for: $0.0) }
                for key in Set(rows.map(\.1)) {
                    let remaining =
                        try await self.one("SELECT COUNT(*) AS n FROM uploads WHERE blob_key = \(key)", on: connection)
                    {
                        try $0.get("n", as: Int.self)
                    } ?? 0
                    if remaining == 0 { blobs.append(key) }
                }
                return Expiry(rows: rows.count, blobs: blobs)
            case .clips:
                let clips = try await self.all(
                    """
                    DELETE FROM clips WHERE id IN (SELECT c.id FROM clips c JOIN jobs j ON j.id = c.job_id
                        WHERE c.organization_id = \(organizationId) AND c.created_at < \(cutoff)
                        AND j.status <> ALL(\(["queued", "running"])) ORDER BY c.created_at LIMIT \(limit))
                    RETURNING *
                    """, on: connection, Clip.init(row:))
                return Expiry(rows: clips.count, blobs: clips.flatMap(\.blobKeys))
            case .analyses:
                return Expiry(
                    rows: try await self.all(
                        """
                        DELETE FROM analyses WHERE job_id IN (SELECT a.job_id FROM analyses a JOIN jobs j ON j.id = a.job_id
                            WHERE j.organization_id = \(organizationId) AND j.status = ANY(\(terminal))
                            AND COALESCE(j.finished_at, j.created_at) < \(cutoff) LIMIT \(limit))
                        RETURNING job_id
                        """, on: connection
                    ) { _ in true }.count)
            case .jobs:
                let jobs = try await self.all(
                    """
                    SELECT id, storyboard FROM jobs WHERE organization_id = \(organizationId)
                        AND status = ANY(\(terminal)) AND COALESCE(finished_at, created_at) < \(cutoff)
                        ORDER BY finished_at LIMIT \(limit) FOR UPDATE
                    """, on: connection
                ) { (try $0.get("id", as: JobID.self), try $0.json("storyboard", as: Storyboard.self)) }
                var blobs: [BlobKey] = []
                for (id, board) in jobs { blobs += try await self.removeJob(id, storyboard: board, on: connection) }
                // A batch goes with the last of its jobs.
                try await self.execute(
                    """
                    DELETE FROM batches WHERE organization_id = \(organizationId) AND finished_at < \(cutoff)
                        AND NOT EXISTS (SELECT 1 FROM jobs WHERE batch_id = batches.id)
                    """, on: connection)
                return Expiry(rows: jobs.count, blobs: blobs, jobs: jobs.map(\.0))
            case .audit:
                return Expiry(
                    rows: try await self.all(
                        """
                        DELETE FROM audit_events WHERE seq IN (SELECT seq FROM audit_events
                            WHERE organization_id = \(organizationId) AND at < \(cutoff) ORDER BY seq LIMIT \(limit))
                        RETURNING seq
                        """, on: connection
                    ) { _ in true }.count)
            case .webhooks:
                return Expiry(
                    rows: try await self.all(
                        """
                        DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries
                            WHERE organization_id = \(organizationId) AND state <> 'pending' AND created_at < \(cutoff)
                            LIMIT \(limit))
                        RETURNING id
                        """, on: connection
                    ) { _ in true }.count)
            }
        }
    }

    public func acquireLease(_ name: String, holder: String, until: Date) async throws -> Bool {
        try await !all(
            """
            INSERT INTO leases (name, holder, expires_at) VALUES (\(name), \(holder), \(until.timeIntervalSince1970))
            ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
                WHERE leases.holder = EXCLUDED.holder OR leases.expires_at <= \(now)
            RETURNING name
            """
        ) { _ in true }.isEmpty
    }

    public func releaseLease(_ name: String, holder: String) async throws {
        try await run("DELETE FROM leases WHERE name = \(name) AND holder = \(holder)")
    }
}
