import ClipGenCore
import Foundation
import GRDB
import Persistence

extension SQLiteJobStore {
    public func claimTask(
        worker: String, capabilities: [Capability], fallbackAfter: Double?, excludingRegions: [String],
        leaseSeconds: Double
    ) async throws -> ClaimedTask? {
        let now = self.now
        return try await pool.write { db in
            try Self.failAbandonedTasks(db, now: now)
            let placeholders = capabilities.map { _ in "?" }.joined(separator: ", ")
            let names = StatementArguments(capabilities.map(\.rawValue))
            // A fallback task waits for its preferred workers until `fallbackAfter` has passed.
            let waitedUntil = fallbackAfter.map { now - $0 } ?? -Double.greatestFiniteMagnitude
            guard !capabilities.isEmpty else { return nil }
            let regions = excludingRegions.map { _ in "?" }.joined(separator: ", ")
            let takes =
                "(capability IN (\(placeholders)) OR (fallback IN (\(placeholders)) AND available_at <= ?))"
                + (excludingRegions.isEmpty ? "" : " AND (region IS NULL OR region NOT IN (\(regions)))")
            let takeArguments = names + names + [waitedUntil] + StatementArguments(excludingRegions)
            // A lease that expired (its worker died) first: there are few, and they are the oldest work.
            var found = try Row.fetchOne(
                db,
                sql: """
                    SELECT * FROM tasks WHERE status = 'leased' AND lease_expires_at <= ? AND \(takes)
                    ORDER BY lease_expires_at LIMIT 1
                    """, arguments: [now] + takeArguments)
            if found == nil {
                for organization in try Self.organizationsByLoad(db, now: now) {
                    found = try Row.fetchOne(
                        db,
                        sql: """
                            SELECT * FROM tasks INDEXED BY tasks_org_next
                            WHERE status = 'queued' AND organization_id = ? AND available_at <= ?
                                AND \(takes)
                            ORDER BY priority DESC, available_at, created_at, rowid LIMIT 1
                            """, arguments: [organization, now] + takeArguments)
                    if found != nil { break }
                }
            }
            guard let row = found else { return nil }
            var task = try TaskRecord(row: row)
            try db.execute(
                sql: """
                    UPDATE tasks SET status = 'leased', lease_owner = ?, lease_expires_at = ?, started_at = ?,
                        attempts = attempts + 1 WHERE id = ?
                    """, arguments: [worker, now + leaseSeconds, now, task.id])
            task.attempts += 1
            let snapshot = try Self.snapshot(db, .job(task.jobId, organizationId: nil), now: now)!
            let change = JobTransitions.claimed(snapshot, task: task)
            try Self.apply(change, to: task.jobId, db, now: now)
            // The whole row: workers need the keyframe index the snapshot leaves out.
            return ClaimedTask(task: task, job: try Self.fetchJob(db, id: task.jobId)!)
        }
    }

    /// `FairClaim.organizationsByLoad`: the organisations with queued tasks, fairest first.
    static func organizationsByLoad(_ db: Database, now: Double) throws -> [String] {
        try String.fetchAll(db, sql: FairClaim.organizationsByLoad(now: now))
    }

    /// A task whose worker vanished on its last attempt cannot be retried: fail its job.
    static func failAbandonedTasks(_ db: Database, now: Double) throws {
        let abandoned = try Row.fetchAll(
            db,
            sql: """
                SELECT id, job_id FROM tasks WHERE status = 'leased' AND lease_expires_at <= ?
                    AND attempts >= max_attempts
                """, arguments: [now])
        for row in abandoned {
            let taskId: TaskID = row["id"]
            let jobId: JobID = row["job_id"]
            guard let snapshot = try snapshot(db, .job(jobId, organizationId: nil), now: now) else { continue }
            try apply(JobTransitions.abandoned(snapshot, taskId: taskId), to: jobId, db, now: now)
        }
    }

    public func heartbeat(taskId: TaskID, worker: String, leaseSeconds: Double) async throws -> LeaseState {
        let now = self.now
        return try await pool.write { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT status, lease_owner FROM tasks WHERE id = ?", arguments: [taskId])
            else {
                return .cancelled
            }
            if row["status"] == "cancelled" { return .cancelled }
            guard row["status"] == "leased", row["lease_owner"] == worker else { return .lost }
            try db.execute(
                sql: "UPDATE tasks SET lease_expires_at = ? WHERE id = ?", arguments: [now + leaseSeconds, taskId])
            return .held
        }
    }

    public func releaseTask(taskId: TaskID, worker: String) async throws {
        let now = self.now
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE tasks SET status = 'queued', available_at = ?, lease_owner = NULL,
                        lease_expires_at = NULL, progress = 0, attempts = MAX(attempts - 1, 0)
                    WHERE id = ? AND status = 'leased' AND lease_owner = ?
                    """, arguments: [now, taskId, worker])
        }
    }

    public func queueSize() async throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tasks WHERE status = 'queued'") ?? 0 }
    }
}
