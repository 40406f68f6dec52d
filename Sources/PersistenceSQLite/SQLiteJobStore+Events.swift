import ClipGenCore
import Foundation
import GRDB
import Persistence

extension SQLiteJobStore {
    /// Writes an event about the job as it is now, inside the caller's transaction.
    static func record(_ db: Database, _ type: JobEvent.Kind, jobId: JobID, clip: Clip? = nil, error: JobError? = nil, at: Double) throws {
        guard let row = try Row.fetchOne(db, sql: "SELECT organization_id, status, stage, progress, webhook_url FROM jobs WHERE id = ?",
                                         arguments: [jobId])
        else { return }
        guard let status = JobStatus(rawValue: row["status"]), let stage = JobStage(rawValue: row["stage"]) else { return }
        let event = JobEvent(type: type, jobId: jobId, organizationId: row["organization_id"], status: status, stage: stage,
                             progress: row["progress"], clip: clip, error: error, at: Date(timeIntervalSince1970: at))
        let body = try JSONCoding.encode(event)
        try db.execute(sql: "INSERT INTO events (job_id, body) VALUES (?, ?)", arguments: [jobId, body])
        if event.isTerminal, let url = row["webhook_url"] as String? {
            try db.execute(sql: """
                INSERT INTO webhook_deliveries (id, organization_id, job_id, url, body, state, next_attempt_at, created_at)
                VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)
                """, arguments: [Identifier.make(), event.organizationId, jobId, url, body, at, at])
        }
    }

    public func claimEvents(limit: Int) async throws -> [JobEvent] {
        // A read first: most polls find nothing and should not queue behind the writers.
        let pending = try read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM events WHERE delivered_at IS NULL LIMIT 1") != nil
        }
        guard pending else { return [] }
        let now = self.now
        return try await pool.write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT seq, body FROM events WHERE delivered_at IS NULL ORDER BY seq LIMIT ?",
                                        arguments: [max(1, limit)])
            guard let last = rows.last else { return [] }
            try db.execute(sql: "UPDATE events SET delivered_at = ? WHERE delivered_at IS NULL AND seq <= ?", arguments: [now, last["seq"] as Int64])
            return try rows.map { row in
                var event = try JSONCoding.decode(JobEvent.self, row["body"])
                event.sequence = row["seq"]
                return event
            }
        }
    }

    public func pruneEvents(deliveredBefore date: Date) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM events WHERE delivered_at IS NOT NULL AND delivered_at < ?", arguments: [date.timeIntervalSince1970])
        }
    }
}
