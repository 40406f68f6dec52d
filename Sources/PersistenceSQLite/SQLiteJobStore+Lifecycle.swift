import ClipGenCore
import Foundation
import GRDB
import Persistence

extension SQLiteJobStore {
    public func retention(organizationId: OrganizationID) async throws -> RetentionSettings? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT retention FROM organizations WHERE id = ?", arguments: [organizationId])
                .map(Self.retention(_:))
        }
    }

    @discardableResult
    public func setRetention(_ settings: RetentionSettings, organizationId: OrganizationID) async throws -> Bool {
        let text = try JSONCoding.encode(settings)
        return try await pool.write { db in
            try db.execute(
                sql: "UPDATE organizations SET retention = ? WHERE id = ?", arguments: [text, organizationId])
            return db.changesCount > 0
        }
    }

    public func retentionByOrganization() async throws -> [OrganizationID: RetentionSettings] {
        try read { db in
            var settings: [OrganizationID: RetentionSettings] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, retention FROM organizations") {
                settings[OrganizationID(rawValue: row["id"])] = try Self.retention(row)
            }
            return settings
        }
    }

    /// An organisation's own settings from its `retention` column: none stored, none chosen.
    private static func retention(_ row: Row) throws -> RetentionSettings {
        try (row["retention"] as String?).map { try JSONCoding.decode(RetentionSettings.self, $0) }
            ?? RetentionSettings()
    }

    public func expire(
        _ category: RetentionCategory, organizationId: OrganizationID?, before cutoff: Date,
        sparing: Set<UploadID>, limit: Int
    ) async throws -> Expiry {
        let cutoff = cutoff.timeIntervalSince1970
        guard let organizationId else {
            guard category == .audit else { return Expiry() }
            return try await pool.write { db in
                try db.execute(
                    sql: """
                        DELETE FROM audit_events WHERE seq IN (SELECT seq FROM audit_events \
                        WHERE organization_id IS NULL AND at < ? ORDER BY seq LIMIT ?)
                        """, arguments: [cutoff, limit])
                return Expiry(rows: db.changesCount)
            }
        }
        return try await pool.write { db in
            switch category {
            case .uploads:
                let spared = sparing.map(\.rawValue)
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT id, blob_key FROM uploads u WHERE organization_id = ? AND created_at < ? \
                        AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.upload_id = u.id AND j.status IN ('queued', 'running')) \
                        AND id NOT IN (SELECT value FROM json_each(?)) ORDER BY created_at LIMIT ?
                        """,
                    arguments: [organizationId, cutoff, try JSONCoding.encode(spared), limit])
                var blobs: [BlobKey] = []
                for row in rows {
                    let id = UploadID(rawValue: row["id"])
                    try db.execute(sql: "DELETE FROM uploads WHERE id = ?", arguments: [id])
                    blobs.append(try Transcript.blobKey(for: id))
                }
                for key in Set(try rows.map { try BlobKey(row: $0, "blob_key") })
                where try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM uploads WHERE blob_key = ?", arguments: [key])
                    == 0
                {
                    blobs.append(key)
                }
                return Expiry(rows: rows.count, blobs: blobs)
            case .clips:
                let clips = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT c.* FROM clips c JOIN jobs j ON j.id = c.job_id WHERE c.organization_id = ? \
                        AND c.created_at < ? AND j.status NOT IN ('queued', 'running') ORDER BY c.created_at LIMIT ?
                        """, arguments: [organizationId, cutoff, limit]
                ).map(Clip.init(row:))
                for clip in clips { try db.execute(sql: "DELETE FROM clips WHERE id = ?", arguments: [clip.id]) }
                return Expiry(rows: clips.count, blobs: clips.flatMap(\.blobKeys))
            case .analyses:
                try db.execute(
                    sql: """
                        DELETE FROM analyses WHERE job_id IN (SELECT a.job_id FROM analyses a JOIN jobs j \
                        ON j.id = a.job_id WHERE j.organization_id = ? AND j.status IN ('succeeded', 'failed', 'cancelled') \
                        AND COALESCE(j.finished_at, j.created_at) < ? LIMIT ?)
                        """, arguments: [organizationId, cutoff, limit])
                return Expiry(rows: db.changesCount)
            case .jobs:
                let ids = try String.fetchAll(
                    db,
                    sql: """
                        SELECT id FROM jobs WHERE organization_id = ? AND status IN ('succeeded', 'failed', 'cancelled') \
                        AND COALESCE(finished_at, created_at) < ? ORDER BY finished_at LIMIT ?
                        """, arguments: [organizationId, cutoff, limit]
                ).map(JobID.init(rawValue:))
                let blobs = try ids.flatMap { try Self.removeJob(db, $0) }
                // A batch goes with the last of its jobs.
                try db.execute(
                    sql: """
                        DELETE FROM batches WHERE organization_id = ? AND finished_at < ? \
                        AND NOT EXISTS (SELECT 1 FROM jobs WHERE batch_id = batches.id)
                        """, arguments: [organizationId, cutoff])
                return Expiry(rows: ids.count, blobs: blobs, jobs: ids)
            case .audit:
                try db.execute(
                    sql: """
                        DELETE FROM audit_events WHERE seq IN (SELECT seq FROM audit_events \
                        WHERE organization_id = ? AND at < ? ORDER BY seq LIMIT ?)
                        """, arguments: [organizationId, cutoff, limit])
                return Expiry(rows: db.changesCount)
            case .webhooks:
                try db.execute(
                    sql: """
                        DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries \
                        WHERE organization_id = ? AND state != 'pending' AND created_at < ? LIMIT ?)
                        """, arguments: [organizationId, cutoff, limit])
                return Expiry(rows: db.changesCount)
            }
        }
    }

    public func acquireLease(_ name: String, holder: String, until: Date) async throws -> Bool {
        let now = self.now
        return try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE \
                    SET holder = excluded.holder, expires_at = excluded.expires_at \
                    WHERE leases.holder = excluded.holder OR leases.expires_at <= ?
                    """, arguments: [name, holder, until.timeIntervalSince1970, now])
            return db.changesCount > 0
        }
    }

    public func releaseLease(_ name: String, holder: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM leases WHERE name = ? AND holder = ?", arguments: [name, holder])
        }
    }
}
