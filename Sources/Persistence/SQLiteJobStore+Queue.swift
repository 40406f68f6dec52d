import ClipGenCore
import Foundation
import GRDB

extension SQLiteJobStore {
    public func claimTask(worker: String, capabilities: [Capability], leaseSeconds: Double) async throws -> ClaimedTask? {
        let now = self.now
        return try await pool.write { db in
            try Self.failAbandonedTasks(db, now: now)
            let placeholders = capabilities.map { _ in "?" }.joined(separator: ", ")
            guard !capabilities.isEmpty, let row = try Row.fetchOne(db, sql: """
                SELECT * FROM tasks
                WHERE capability IN (\(placeholders))
                  AND ((status = 'queued' AND available_at <= ?) OR (status = 'leased' AND lease_expires_at <= ?))
                ORDER BY available_at, created_at LIMIT 1
                """, arguments: StatementArguments(capabilities.map(\.rawValue)) + [now, now]) else { return nil }
            let taskId: String = row["id"]
            let jobId: String = row["job_id"]
            try db.execute(sql: """
                UPDATE tasks SET status = 'leased', lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1 WHERE id = ?
                """, arguments: [worker, now + leaseSeconds, taskId])
            try db.execute(sql: """
                UPDATE jobs SET status = 'running', started_at = COALESCE(started_at, ?), attempts = MAX(attempts, ?),
                    stage = CASE WHEN stage IN ('probe', 'analyze') THEN COALESCE(?, stage) ELSE stage END
                WHERE id = ?
                """, arguments: [now, (row["attempts"] as Int) + 1, Self.stage(whileRunning: try TaskRecord(row: row).kind), jobId])
            let task = try TaskRecord(row: Row.fetchOne(db, sql: "SELECT * FROM tasks WHERE id = ?", arguments: [taskId])!)
            return ClaimedTask(task: task, job: try Self.fetchJob(db, id: jobId)!)
        }
    }

    /// The stage a job is in while a task of `kind` runs; nil keeps the job's stage (a storyboard
    /// is made beside whatever else runs).
    static func stage(whileRunning kind: TaskKind) -> String? {
        switch kind {
        case .probe: JobStage.probe.rawValue
        case .analyze: JobStage.analyze.rawValue
        case .render, .quality: JobStage.render.rawValue
        case .thumbnails: nil
        }
    }

    /// A task whose worker vanished on its last attempt cannot be retried: fail its job.
    static func failAbandonedTasks(_ db: Database, now: Double) throws {
        let abandoned = try Row.fetchAll(db, sql: """
            SELECT id, job_id FROM tasks WHERE status = 'leased' AND lease_expires_at <= ? AND attempts >= max_attempts
            """, arguments: [now])
        for row in abandoned {
            let error = JobError(code: .workerLost,
                                 message: "the worker running this job stopped responding on its last attempt")
            try failJob(db, jobId: row["job_id"], taskId: row["id"], error: error, now: now)
        }
    }

    public func heartbeat(taskId: String, worker: String, leaseSeconds: Double) async throws -> LeaseState {
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

    public func reportProgress(taskId: String, stage: JobStage, fraction: Double) async throws {
        try await pool.write { db in
            guard let jobId = try String.fetchOne(db, sql: "SELECT job_id FROM tasks WHERE id = ? AND status = 'leased'", arguments: [taskId])
            else { return }
            try db.execute(sql: "UPDATE tasks SET progress = MAX(progress, ?) WHERE id = ?", arguments: [min(max(fraction, 0), 1), taskId])
            try Self.refreshJobProgress(db, jobId: jobId, stage: stage)
        }
    }

    /// Probing is the first 5% of a job; analysing, when the job analyses, the next 35%; the
    /// renders and quality measurements share the rest equally.
    static func refreshJobProgress(_ db: Database, jobId: String, stage: JobStage) throws {
        let renders = try Row.fetchOne(db, sql: """
            SELECT COUNT(*) AS n, COALESCE(SUM(CASE WHEN status = 'done' THEN 1.0 ELSE progress END), 0) AS total
            FROM tasks WHERE job_id = ? AND kind IN ('render', 'quality')
            """, arguments: [jobId])!
        let count: Int = renders["n"]
        let probeDone = try Bool.fetchOne(db, sql: "SELECT 1 FROM tasks WHERE job_id = ? AND kind = 'probe' AND status = 'done'", arguments: [jobId]) != nil
        var progress = probeDone ? 0.05 : 0
        var share = 0.95
        if let analyze = try Row.fetchOne(db, sql: "SELECT status, progress FROM tasks WHERE job_id = ? AND kind = 'analyze'", arguments: [jobId]) {
            progress += 0.35 * (analyze["status"] == "done" ? 1 : analyze["progress"] as Double)
            share = 0.6
        }
        if count > 0 { progress += share * (renders["total"] as Double) / Double(count) }
        try db.execute(sql: """
            UPDATE jobs SET progress = MAX(progress, ?), stage = ? WHERE id = ? AND status = 'running'
            """, arguments: [min(progress, 0.999), stage.rawValue, jobId])
    }

    public func completeTask(taskId: String, worker: String, outcome: TaskOutcome) async throws -> CompletionResult {
        let now = self.now
        return try await pool.write { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT t.job_id, j.status AS job_status FROM tasks t JOIN jobs j ON j.id = t.job_id
                WHERE t.id = ? AND t.status = 'leased' AND t.lease_owner = ?
                """, arguments: [taskId, worker]), row["job_status"] == JobStatus.running.rawValue else { return .discarded }
            let jobId: String = row["job_id"]
            try db.execute(sql: "UPDATE tasks SET status = 'done', progress = 1, lease_owner = NULL WHERE id = ?", arguments: [taskId])
            if let media = outcome.media {
                try db.execute(sql: "UPDATE jobs SET source = ? WHERE id = ?", arguments: [try JSONCoding.encode(media), jobId])
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
            for clip in outcome.clips { try Self.insertClip(db, clip, createdAt: now) }
            for task in outcome.nextTasks { try Self.insertTask(db, task, availableAt: now) }
            if !outcome.nextTasks.isEmpty { self.workSignal.notifyAll() }
            let unfinished = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tasks WHERE job_id = ? AND status != 'done'", arguments: [jobId]) ?? 0
            if unfinished == 0 {
                try db.execute(sql: """
                    UPDATE jobs SET status = 'succeeded', stage = 'done', progress = 1, finished_at = ? WHERE id = ?
                    """, arguments: [now, jobId])
            } else {
                try Self.refreshJobProgress(db, jobId: jobId, stage: outcome.stage ?? .render)
            }
            return .applied
        }
    }

    public func failTask(taskId: String, worker: String, error: JobError, retryable: Bool, retryBaseSeconds: Double) async throws -> FailureDisposition {
        let now = self.now
        return try await pool.write { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT job_id, attempts, max_attempts FROM tasks WHERE id = ? AND status = 'leased' AND lease_owner = ?
                """, arguments: [taskId, worker]) else { return .discarded }
            let attempts: Int = row["attempts"]
            if retryable && attempts < (row["max_attempts"] as Int) {
                let at = now + retryBaseSeconds * pow(2, Double(attempts - 1))
                try db.execute(sql: """
                    UPDATE tasks SET status = 'queued', available_at = ?, lease_owner = NULL, lease_expires_at = NULL,
                        progress = 0, last_error_code = ?, last_error_message = ? WHERE id = ?
                    """, arguments: [at, error.code.rawValue, error.message, taskId])
                return .retrying(at: Date(timeIntervalSince1970: at))
            }
            try Self.failJob(db, jobId: row["job_id"], taskId: taskId, error: error, now: now)
            return .jobFailed
        }
    }

    static func failJob(_ db: Database, jobId: String, taskId: String, error: JobError, now: Double) throws {
        try db.execute(sql: """
            UPDATE tasks SET status = 'failed', lease_owner = NULL, last_error_code = ?, last_error_message = ? WHERE id = ?
            """, arguments: [error.code.rawValue, error.message, taskId])
        try db.execute(sql: "UPDATE tasks SET status = 'cancelled' WHERE job_id = ? AND status IN ('queued', 'leased')", arguments: [jobId])
        try db.execute(sql: """
            UPDATE jobs SET status = 'failed', error_code = ?, error_message = ?, finished_at = ? WHERE id = ? AND status IN ('queued', 'running')
            """, arguments: [error.code.rawValue, error.message, now, jobId])
    }

    public func releaseTask(taskId: String, worker: String) async throws {
        let now = self.now
        try await pool.write { db in
            try db.execute(sql: """
                UPDATE tasks SET status = 'queued', available_at = ?, lease_owner = NULL, lease_expires_at = NULL, progress = 0,
                    attempts = MAX(attempts - 1, 0)
                WHERE id = ? AND status = 'leased' AND lease_owner = ?
                """, arguments: [now, taskId, worker])
        }
        workSignal.notifyAll()
    }

    public func waitForWork(timeout: Duration) async {
        await workSignal.wait(timeout: timeout)
    }

    public func queueSize() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tasks WHERE status = 'queued'") ?? 0 }
    }

    static func insertClip(_ db: Database, _ clip: Clip, createdAt: Double) throws {
        try db.execute(sql: """
            INSERT INTO clips (id, job_id, organization_id, idx, name, start, "end", actual_start, duration, format, mode_used,
                fallback_reason, size, sha256, blob_key, score, loudness_lufs, encoder, thumbnail_key, reason, quality, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [clip.id, clip.jobId, clip.organizationId, clip.index, clip.name, clip.start, clip.end, clip.actualStart,
                             clip.duration, clip.format.rawValue, clip.modeUsed.rawValue, clip.fallbackReason, clip.size, clip.sha256,
                             clip.blobKey, clip.score, clip.loudnessLUFS, clip.encoder, clip.thumbnailKey, clip.reason,
                             try clip.quality.map { try JSONCoding.encode($0) }, createdAt])
    }
}
