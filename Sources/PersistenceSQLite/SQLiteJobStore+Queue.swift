import ClipGenCore
import Foundation
import GRDB
import Persistence

extension SQLiteJobStore {
    public func claimTask(worker: String, capabilities: [Capability], leaseSeconds: Double) async throws -> ClaimedTask? {
        let now = self.now, workflow = self.workflow
        return try await pool.write { db in
            try Self.failAbandonedTasks(db, now: now)
            let placeholders = capabilities.map { _ in "?" }.joined(separator: ", ")
            guard !capabilities.isEmpty, let row = try Row.fetchOne(db, sql: """
                SELECT * FROM tasks
                WHERE capability IN (\(placeholders))
                  AND ((status = 'queued' AND available_at <= ?) OR (status = 'leased' AND lease_expires_at <= ?))
                ORDER BY available_at, created_at LIMIT 1
                """, arguments: StatementArguments(capabilities.map(\.rawValue)) + [now, now]) else { return nil }
            let task = try TaskRecord(row: row)
            try db.execute(sql: """
                UPDATE tasks SET status = 'leased', lease_owner = ?, lease_expires_at = ?, started_at = ?, attempts = attempts + 1 WHERE id = ?
                """, arguments: [worker, now + leaseSeconds, now, task.id])
            let before = try Row.fetchOne(db, sql: "SELECT status, stage FROM jobs WHERE id = ?", arguments: [task.jobId])!
            let stage = workflow.stage(whileRunning: task.kind, from: JobStage(rawValue: before["stage"]) ?? .probe)
            try db.execute(sql: """
                UPDATE jobs SET status = 'running', started_at = COALESCE(started_at, ?), attempts = MAX(attempts, ?), stage = ?
                WHERE id = ?
                """, arguments: [now, task.attempts + 1, stage.rawValue, task.jobId])
            let job = try Self.fetchJob(db, id: task.jobId)!
            if before["status"] != job.status.rawValue {
                try Self.record(db, .status, jobId: job.id, at: now)
            } else if before["stage"] != job.stage.rawValue {
                try Self.record(db, .progress, jobId: job.id, at: now)
            }
            let leased = try TaskRecord(row: Row.fetchOne(db, sql: "SELECT * FROM tasks WHERE id = ?", arguments: [task.id])!)
            return ClaimedTask(task: leased, job: job)
        }
    }

    /// A task whose worker vanished on its last attempt cannot be retried: fail its job.
    static func failAbandonedTasks(_ db: Database, now: Double) throws {
        let abandoned = try Row.fetchAll(db, sql: """
            SELECT id, job_id FROM tasks WHERE status = 'leased' AND lease_expires_at <= ? AND attempts >= max_attempts
            """, arguments: [now])
        for row in abandoned {
            try failJob(db, jobId: row["job_id"], taskId: row["id"], error: .workerLost, now: now)
        }
    }

    public func heartbeat(taskId: TaskID, worker: String, leaseSeconds: Double) async throws -> LeaseState {
        let now = self.now
        return try await pool.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT status, lease_owner FROM tasks WHERE id = ?", arguments: [taskId]) else {
                return .cancelled
            }
            if row["status"] == "cancelled" { return .cancelled }
            guard row["status"] == "leased", row["lease_owner"] == worker else { return .lost }
            try db.execute(sql: "UPDATE tasks SET lease_expires_at = ? WHERE id = ?", arguments: [now + leaseSeconds, taskId])
            return .held
        }
    }

    public func reportProgress(taskId: TaskID, stage: JobStage, fraction: Double) async throws {
        let now = self.now
        try await pool.write { db in
            guard let jobId = try JobID.fetchOne(db, sql: "SELECT job_id FROM tasks WHERE id = ? AND status = 'leased'", arguments: [taskId])
            else { return }
            try db.execute(sql: "UPDATE tasks SET progress = MAX(progress, ?) WHERE id = ?", arguments: [min(max(fraction, 0), 1), taskId])
            try self.refreshJobProgress(db, jobId: jobId, stage: stage, now: now)
        }
    }

    /// Sets the job's progress from its tasks as the workflow weighs them (never backwards) and
    /// records a progress event when that or the stage changed.
    func refreshJobProgress(_ db: Database, jobId: JobID, stage: JobStage?, now: Double) throws {
        let tasks = try Row.fetchAll(db, sql: "SELECT kind, status, progress FROM tasks WHERE job_id = ?", arguments: [jobId]).compactMap { row in
            TaskKind(rawValue: row["kind"]).map { TaskProgress(kind: $0, fraction: row["status"] == "done" ? 1 : row["progress"]) }
        }
        guard let before = try Row.fetchOne(db, sql: "SELECT stage, progress FROM jobs WHERE id = ? AND status = 'running'", arguments: [jobId])
        else { return }
        let progress = max(before["progress"] as Double, workflow.progress(of: tasks))
        let newStage = stage?.rawValue ?? (before["stage"] as String)
        guard progress != before["progress"] || newStage != before["stage"] else { return }
        try db.execute(sql: "UPDATE jobs SET progress = ?, stage = ? WHERE id = ?", arguments: [progress, newStage, jobId])
        try Self.record(db, .progress, jobId: jobId, at: now)
    }

    public func completeTask(taskId: TaskID, worker: String, outcome: TaskOutcome) async throws -> CompletionResult {
        let now = self.now
        return try await pool.write { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT t.job_id, j.status AS job_status FROM tasks t JOIN jobs j ON j.id = t.job_id
                WHERE t.id = ? AND t.status = 'leased' AND t.lease_owner = ?
                """, arguments: [taskId, worker]), row["job_status"] == JobStatus.running.rawValue else { return .discarded }
            let jobId: JobID = row["job_id"]
            try db.execute(sql: "UPDATE tasks SET status = 'done', progress = 1, lease_owner = NULL, finished_at = ? WHERE id = ?", arguments: [now, taskId])
            if let upload = outcome.importedUpload {
                try db.execute(sql: """
                    INSERT INTO uploads (id, organization_id, owner_id, filename, size, sha256, blob_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [upload.id, upload.organizationId, upload.ownerId, upload.filename, upload.size, upload.sha256, upload.blobKey,
                                     upload.createdAt.timeIntervalSince1970])
                try db.execute(sql: "UPDATE jobs SET upload_id = ? WHERE id = ?", arguments: [upload.id, jobId])
                try db.execute(sql: "DELETE FROM storage_reservations WHERE id = ?", arguments: [StorageReservation.importID(jobId)])
            }
            if let media = outcome.media {
                try db.execute(sql: "UPDATE jobs SET source = ?, source_info = ? WHERE id = ?",
                               arguments: [try JSONCoding.encode(media), try JSONCoding.encode(media.sourceInfo), jobId])
            }
            if let storyboard = outcome.storyboard {
                try db.execute(sql: "UPDATE jobs SET storyboard = ? WHERE id = ?", arguments: [try JSONCoding.encode(storyboard), jobId])
            }
            if let analysis = outcome.analysis {
                try db.execute(sql: "INSERT OR REPLACE INTO analyses (job_id, body) VALUES (?, ?)", arguments: [jobId, try JSONCoding.encode(analysis)])
                try db.execute(sql: "UPDATE jobs SET highlights = ? WHERE id = ?", arguments: [try JSONCoding.encode(analysis.highlights), jobId])
            }
            for (index, quality) in outcome.qualities {
                try db.execute(sql: "UPDATE clips SET quality = ? WHERE job_id = ? AND idx = ?", arguments: [try JSONCoding.encode(quality), jobId, index])
            }
            for clip in outcome.clips {
                try Self.insertClip(db, clip, createdAt: now)
                try Self.record(db, .clip, jobId: jobId, clip: clip, at: now)
            }
            for task in outcome.nextTasks { try Self.insertTask(db, task, availableAt: now) }
            let unfinished = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tasks WHERE job_id = ? AND status != 'done'", arguments: [jobId]) ?? 0
            guard unfinished == 0 else {
                try self.refreshJobProgress(db, jobId: jobId, stage: outcome.stage, now: now)
                return .applied
            }
            try db.execute(sql: """
                UPDATE jobs SET status = 'succeeded', stage = 'done', progress = 1, finished_at = ? WHERE id = ?
                """, arguments: [now, jobId])
            try Self.record(db, .status, jobId: jobId, at: now)
            return .jobSucceeded
        }
    }

    public func failTask(taskId: TaskID, worker: String, error: JobError, retryable: Bool) async throws -> FailureDisposition {
        let now = self.now, retry = workflow.retry
        return try await pool.write { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT job_id, attempts, max_attempts FROM tasks WHERE id = ? AND status = 'leased' AND lease_owner = ?
                """, arguments: [taskId, worker]) else { return .discarded }
            let jobId: JobID = row["job_id"]
            if let delay = retry.delay(afterAttempt: row["attempts"], maxAttempts: row["max_attempts"], retryable: retryable) {
                try db.execute(sql: """
                    UPDATE tasks SET status = 'queued', available_at = ?, lease_owner = NULL, lease_expires_at = NULL,
                        progress = 0, last_error_code = ?, last_error_message = ? WHERE id = ?
                    """, arguments: [now + delay, error.code.rawValue, error.message, taskId])
                try Self.record(db, .error, jobId: jobId, error: error, at: now)
                return .retrying(at: Date(timeIntervalSince1970: now + delay))
            }
            try Self.failJob(db, jobId: jobId, taskId: taskId, error: error, now: now)
            return .jobFailed
        }
    }

    /// Fails the task and, unless it already ended, its job: an `error` event, then the one
    /// terminal `status` event.
    static func failJob(_ db: Database, jobId: JobID, taskId: TaskID, error: JobError, now: Double) throws {
        try db.execute(sql: """
            UPDATE tasks SET status = 'failed', lease_owner = NULL, last_error_code = ?, last_error_message = ? WHERE id = ?
            """, arguments: [error.code.rawValue, error.message, taskId])
        try db.execute(sql: "UPDATE tasks SET status = 'cancelled' WHERE job_id = ? AND status IN ('queued', 'leased')", arguments: [jobId])
        try db.execute(sql: """
            UPDATE jobs SET status = 'failed', error_code = ?, error_message = ?, finished_at = ? WHERE id = ? AND status IN ('queued', 'running')
            """, arguments: [error.code.rawValue, error.message, now, jobId])
        if db.changesCount > 0 {
            try record(db, .error, jobId: jobId, error: error, at: now)
            try record(db, .status, jobId: jobId, at: now)
        }
    }

    public func releaseTask(taskId: TaskID, worker: String) async throws {
        let now = self.now
        try await pool.write { db in
            try db.execute(sql: """
                UPDATE tasks SET status = 'queued', available_at = ?, lease_owner = NULL, lease_expires_at = NULL, progress = 0,
                    attempts = MAX(attempts - 1, 0)
                WHERE id = ? AND status = 'leased' AND lease_owner = ?
                """, arguments: [now, taskId, worker])
        }
    }

    public func queueSize() async throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tasks WHERE status = 'queued'") ?? 0 }
    }

    static func insertClip(_ db: Database, _ clip: Clip, createdAt: Double) throws {
        try db.execute(sql: """
            INSERT INTO clips (id, job_id, organization_id, idx, name, start, "end", actual_start, duration, format, mode_used,
                fallback_reason, size, sha256, blob_key, score, loudness_lufs, encoder, thumbnail_key, reason, quality, presentation, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [clip.id, clip.jobId, clip.organizationId, clip.index, clip.name, clip.start, clip.end, clip.actualStart,
                             clip.duration, clip.format.rawValue, clip.modeUsed.rawValue, clip.fallbackReason, clip.size, clip.sha256,
                             clip.blobKey, clip.score, clip.loudnessLUFS, clip.encoder, clip.thumbnailKey, clip.reason,
                             try clip.quality.map { try JSONCoding.encode($0) },
                             clip.presentation.isEmpty ? nil : try JSONCoding.encode(clip.presentation), createdAt])
    }
}
