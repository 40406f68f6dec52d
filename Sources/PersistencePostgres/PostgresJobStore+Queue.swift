import ClipGenCore
import Foundation
import Persistence
import PostgresNIO
import Synchronization

extension PostgresJobStore {
    /// One statement, so one round trip: the task leased (the oldest expired lease, else the
    /// oldest queued task, each found through its own partial index; SKIP LOCKED: a task another
    /// worker is claiming right now is passed over, not waited for), its job locked, moved to running and to
    /// the stage the workflow gives this task's kind, and the job's event written when its status
    /// or stage changed — the event's JSON built by the server, in `JobEvent`'s own encoding.
    public func claimTask(worker: String, capabilities: [Capability], leaseSeconds: Double) async throws -> ClaimedTask? {
        guard !capabilities.isEmpty else { return nil }
        let now = self.now
        let sweep = sweptAt.withLock { last in
            defer { if now - last >= 1 { last = now } }
            return now - last >= 1
        }
        // Expired last attempts are rare: looked for at most once a second per process.
        if sweep { try await transaction { connection in try await self.failAbandonedTasks(now: now, on: connection) } }
        // JSONEncoder's default for dates: seconds since 2001-01-01.
        let at = Date(timeIntervalSince1970: now).timeIntervalSinceReferenceDate
        return try await retryingConflicts {
            try await self.one("""
                WITH task AS (
                    UPDATE tasks SET status = 'leased', lease_owner = \(worker), lease_expires_at = \(now + leaseSeconds), started_at = \(now),
                        attempts = attempts + 1
                    -- An expired lease (a worker died) before the queue: there are few, and they are the oldest work.
                    WHERE id = COALESCE(
                        (SELECT id FROM tasks
                         WHERE status = 'leased' AND lease_expires_at <= \(now) AND capability = ANY(\(capabilities.map(\.rawValue)))
                         ORDER BY lease_expires_at LIMIT 1 FOR UPDATE SKIP LOCKED),
                        (SELECT id FROM tasks
                         WHERE status = 'queued' AND available_at <= \(now) AND capability = ANY(\(capabilities.map(\.rawValue)))
                         ORDER BY available_at, created_at LIMIT 1 FOR UPDATE SKIP LOCKED))
                    RETURNING *),
                old AS (
                    SELECT jobs.id, jobs.status AS old_status, jobs.stage AS old_stage FROM jobs JOIN task ON jobs.id = task.job_id
                    FOR UPDATE OF jobs),
                job AS (
                    UPDATE jobs SET status = 'running', started_at = COALESCE(jobs.started_at, \(now)),
                        attempts = GREATEST(jobs.attempts, task.attempts), stage = \(unescaped: self.runningStageSQL)
                    FROM old, task WHERE jobs.id = old.id
                    RETURNING jobs.*, old.old_status, old.old_stage),
                event AS (
                    INSERT INTO events (job_id, body)
                    SELECT job.id, json_build_object('sequence', 0, 'type', CASE WHEN job.old_status <> job.status THEN 'status' ELSE 'progress' END,
                        'jobId', job.id, 'organizationId', job.organization_id, 'status', job.status, 'stage', job.stage,
                        'progress', job.progress, 'at', \(at)::double precision)::text
                    FROM job WHERE job.old_status <> job.status OR job.old_stage <> job.stage)
                SELECT job.*, task.id AS task_id, task.kind AS task_kind, task.capability AS task_capability,
                    task.clip_index AS task_clip_index, task.attempts AS task_attempts, task.max_attempts AS task_max_attempts
                FROM job, task
                """) { row in ClaimedTask(task: try TaskRecord(claimedRow: row), job: try Job(row: row)) }
        }
    }

    /// The job's stage once `task` runs, from `old.old_stage`: the workflow's answer for every
    /// task kind and stage, as SQL (the values are the enums' own names).
    static func runningStage(_ workflow: JobWorkflow) -> String {
        let kinds = TaskKind.allCases.map { kind in
            let stages = JobStage.allCases.map { "WHEN '\($0.rawValue)' THEN '\(workflow.stage(whileRunning: kind, from: $0).rawValue)'" }
            return "WHEN '\(kind.rawValue)' THEN CASE old.old_stage \(stages.joined(separator: " ")) ELSE old.old_stage END"
        }
        return "CASE task.kind \(kinds.joined(separator: " ")) ELSE old.old_stage END"
    }

    /// A task whose worker vanished on its last attempt cannot be retried: fail its job.
    func failAbandonedTasks(now: Double, on connection: PostgresConnection) async throws {
        let abandoned = try await all("""
            SELECT id, job_id FROM tasks WHERE status = 'leased' AND lease_expires_at <= \(now) AND attempts >= max_attempts
            FOR UPDATE SKIP LOCKED
            """, on: connection) { (try $0.get("job_id", as: JobID.self), try $0.get("id", as: TaskID.self)) }
        for (jobId, taskId) in abandoned {
            try await lockJob(jobId, on: connection)
            try await failJob(jobId: jobId, taskId: taskId, error: .workerLost, now: now, on: connection)
        }
    }

    public func heartbeat(taskId: TaskID, worker: String, leaseSeconds: Double) async throws -> LeaseState {
        let now = self.now
        guard let row = try await one("""
            UPDATE tasks SET lease_expires_at = CASE WHEN status = 'leased' AND lease_owner = \(worker) THEN \(now + leaseSeconds)
                ELSE lease_expires_at END
            WHERE id = \(taskId) RETURNING status, lease_owner
            """, { (try $0.get("status", as: String.self), try $0.get("lease_owner", as: String?.self)) }) else { return .cancelled }
        if row.0 == "cancelled" { return .cancelled }
        return row.0 == "leased" && row.1 == worker ? .held : .lost
    }

    public func reportProgress(taskId: TaskID, stage: JobStage, fraction: Double) async throws {
        let now = self.now
        try await transaction { connection in
            guard let jobId = try await self.lockJob(ofTask: taskId, on: connection) else { return }
            // Only a leased task reports; one already finished or handed back is left as it is.
            guard try await self.one("""
                UPDATE tasks SET progress = GREATEST(progress, \(min(max(fraction, 0), 1))) WHERE id = \(taskId) AND status = 'leased'
                RETURNING id
                """, on: connection, { _ in true }) == true else { return }
            try await self.refreshJobProgress(jobId: jobId, stage: stage, now: now, on: connection)
        }
    }

    /// Sets the job's progress from its tasks as the workflow weighs them (never backwards) and
    /// records a progress event when that or the stage changed.
    func refreshJobProgress(jobId: JobID, stage: JobStage?, now: Double, on connection: PostgresConnection) async throws {
        let tasks = try await all("SELECT kind, status, progress FROM tasks WHERE job_id = \(jobId)", on: connection) { row in
            try TaskKind(rawValue: try row.get("kind", as: String.self)).map { kind in
                TaskProgress(kind: kind, fraction: try row.get("status", as: String.self) == "done" ? 1 : try row.get("progress", as: Double.self))
            }
        }.compactMap { $0 }
        guard let before = try await one("SELECT stage, progress FROM jobs WHERE id = \(jobId) AND status = 'running'", on: connection, {
            (try $0.get("stage", as: String.self), try $0.get("progress", as: Double.self))
        }) else { return }
        let progress = max(before.1, workflow.progress(of: tasks))
        let newStage = stage?.rawValue ?? before.0
        guard progress != before.1 || newStage != before.0 else { return }
        let job = try await one("""
            UPDATE jobs SET progress = \(progress), stage = \(newStage) WHERE id = \(jobId) RETURNING \(unescaped: Self.jobSummaryColumns)
            """, on: connection, Job.init(row:))!
        try await record(.progress, job: job, at: now, on: connection)
    }

    /// Every change to a job takes its row lock first, so changes to one job happen one at a time.
    func lockJob(_ jobId: JobID, on connection: PostgresConnection) async throws {
        try await execute("SELECT 1 FROM jobs WHERE id = \(jobId) FOR UPDATE", on: connection)
    }

    /// Locks the job a task belongs to (its row only, not the task's) and returns its id.
    func lockJob(ofTask taskId: TaskID, on connection: PostgresConnection) async throws -> JobID? {
        try await one("SELECT j.id FROM tasks t JOIN jobs j ON j.id = t.job_id WHERE t.id = \(taskId) FOR UPDATE OF j", on: connection) {
            try $0.get("id", as: JobID.self)
        }
    }

    public func completeTask(taskId: TaskID, worker: String, outcome: TaskOutcome) async throws -> CompletionResult {
        let now = self.now
        return try await transaction { connection in
            guard let jobId = try await self.lockJob(ofTask: taskId, on: connection) else { return .discarded }
            // Checked under the job's lock: a cancel or another completion that got there first is seen.
            guard try await self.one("""
                UPDATE tasks SET status = 'done', progress = 1, lease_owner = NULL, finished_at = \(now)
                WHERE id = \(taskId) AND status = 'leased' AND lease_owner = \(worker)
                  AND EXISTS (SELECT 1 FROM jobs WHERE id = \(jobId) AND status = 'running')
                RETURNING id
                """, on: connection, { _ in true }) == true else { return .discarded }
            if let upload = outcome.importedUpload {
                try await self.execute("""
                    INSERT INTO uploads (id, organization_id, owner_id, filename, size, sha256, blob_key, created_at)
                    VALUES (\(upload.id), \(upload.organizationId), \(upload.ownerId), \(upload.filename), \(upload.size), \(upload.sha256),
                            \(upload.blobKey), \(upload.createdAt.timeIntervalSince1970))
                    """, on: connection)
                try await self.execute("UPDATE jobs SET upload_id = \(upload.id) WHERE id = \(jobId)", on: connection)
                try await self.execute("DELETE FROM storage_reservations WHERE id = \(StorageReservation.importID(jobId))", on: connection)
            }
            if let media = outcome.media {
                try await self.execute("""
                    UPDATE jobs SET source = \(try JSONCoding.encode(media)), source_info = \(try JSONCoding.encode(media.sourceInfo)) WHERE id = \(jobId)
                    """, on: connection)
            }
            if let storyboard = outcome.storyboard {
                try await self.execute("UPDATE jobs SET storyboard = \(try JSONCoding.encode(storyboard)) WHERE id = \(jobId)", on: connection)
            }
            if let analysis = outcome.analysis {
                try await self.execute("""
                    INSERT INTO analyses (job_id, body) VALUES (\(jobId), \(try JSONCoding.encode(analysis)))
                    ON CONFLICT (job_id) DO UPDATE SET body = EXCLUDED.body
                    """, on: connection)
                try await self.execute("UPDATE jobs SET highlights = \(try JSONCoding.encode(analysis.highlights)) WHERE id = \(jobId)", on: connection)
            }
            for (index, quality) in outcome.qualities {
                try await self.execute("UPDATE clips SET quality = \(try JSONCoding.encode(quality)) WHERE job_id = \(jobId) AND idx = \(index)",
                                       on: connection)
            }
            for clip in outcome.clips {
                try await self.insertClip(clip, createdAt: now, on: connection)
                try await self.record(.clip, jobId: jobId, clip: clip, at: now, on: connection)
            }
            for task in outcome.nextTasks { try await self.insertTask(task, availableAt: now, on: connection) }
            let unfinished = try await self.one("SELECT COUNT(*) AS n FROM tasks WHERE job_id = \(jobId) AND status != 'done'", on: connection) {
                try $0.get("n", as: Int.self)
            } ?? 0
            guard unfinished == 0 else {
                try await self.refreshJobProgress(jobId: jobId, stage: outcome.stage, now: now, on: connection)
                return .applied
            }
            let succeeded = try await self.one("""
                UPDATE jobs SET status = 'succeeded', stage = 'done', progress = 1, finished_at = \(now) WHERE id = \(jobId)
                RETURNING \(unescaped: Self.jobSummaryColumns)
                """, on: connection, Job.init(row:))!
            try await self.record(.status, job: succeeded, at: now, on: connection)
            return .jobSucceeded
        }
    }

    public func failTask(taskId: TaskID, worker: String, error: JobError, retryable: Bool) async throws -> FailureDisposition {
        let now = self.now, retry = workflow.retry
        return try await transaction { connection in
            guard let jobId = try await self.lockJob(ofTask: taskId, on: connection) else { return .discarded }
            guard let attempts = try await self.one("""
                SELECT attempts, max_attempts FROM tasks WHERE id = \(taskId) AND status = 'leased' AND lease_owner = \(worker)
                """, on: connection, { (try $0.get("attempts", as: Int.self), try $0.get("max_attempts", as: Int.self)) }) else { return .discarded }
            if let delay = retry.delay(afterAttempt: attempts.0, maxAttempts: attempts.1, retryable: retryable) {
                try await self.execute("""
                    UPDATE tasks SET status = 'queued', available_at = \(now + delay), lease_owner = NULL, lease_expires_at = NULL,
                        progress = 0, last_error_code = \(error.code.rawValue), last_error_message = \(error.message) WHERE id = \(taskId)
                    """, on: connection)
                try await self.record(.error, jobId: jobId, error: error, at: now, on: connection)
                return .retrying(at: Date(timeIntervalSince1970: now + delay))
            }
            try await self.failJob(jobId: jobId, taskId: taskId, error: error, now: now, on: connection)
            return .jobFailed
        }
    }

    /// Fails the task and, unless it already ended, its job: an `error` event, then the one
    /// terminal `status` event. The caller holds the job's lock.
    func failJob(jobId: JobID, taskId: TaskID, error: JobError, now: Double, on connection: PostgresConnection) async throws {
        try await execute("""
            UPDATE tasks SET status = 'failed', lease_owner = NULL, last_error_code = \(error.code.rawValue), last_error_message = \(error.message)
            WHERE id = \(taskId)
            """, on: connection)
        try await execute("UPDATE tasks SET status = 'cancelled' WHERE job_id = \(jobId) AND status IN ('queued', 'leased')", on: connection)
        let failed = try await one("""
            UPDATE jobs SET status = 'failed', error_code = \(error.code.rawValue), error_message = \(error.message), finished_at = \(now)
            WHERE id = \(jobId) AND status IN ('queued', 'running') RETURNING id
            """, on: connection) { _ in true } ?? false
        if failed {
            try await record(.error, jobId: jobId, error: error, at: now, on: connection)
            try await record(.status, jobId: jobId, at: now, on: connection)
        }
    }

    public func releaseTask(taskId: TaskID, worker: String) async throws {
        try await run("""
            UPDATE tasks SET status = 'queued', available_at = \(now), lease_owner = NULL, lease_expires_at = NULL, progress = 0,
                attempts = GREATEST(attempts - 1, 0)
            WHERE id = \(taskId) AND status = 'leased' AND lease_owner = \(worker)
            """)
    }

    public func queueSize() async throws -> Int {
        try await one("SELECT COUNT(*) AS n FROM tasks WHERE status = 'queued'") { try $0.get("n", as: Int.self) } ?? 0
    }

    func insertClip(_ clip: Clip, createdAt: Double, on connection: PostgresConnection) async throws {
        try await execute("""
            INSERT INTO clips (id, job_id, organization_id, idx, name, start, "end", actual_start, duration, format, mode_used,
                fallback_reason, size, sha256, blob_key, score, loudness_lufs, encoder, thumbnail_key, reason, quality, presentation, created_at)
            VALUES (\(clip.id), \(clip.jobId), \(clip.organizationId), \(clip.index), \(clip.name), \(clip.start), \(clip.end),
                \(clip.actualStart), \(clip.duration), \(clip.format.rawValue), \(clip.modeUsed.rawValue), \(clip.fallbackReason),
                \(clip.size), \(clip.sha256), \(clip.blobKey), \(clip.score), \(clip.loudnessLUFS), \(clip.encoder), \(clip.thumbnailKey),
                \(clip.reason), \(try clip.quality.map { try JSONCoding.encode($0) }),
                \(clip.presentation.isEmpty ? nil : try JSONCoding.encode(clip.presentation)), \(createdAt))
            """, on: connection)
    }
}
