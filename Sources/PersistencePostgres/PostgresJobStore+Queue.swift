import ClipGenCore
import Foundation
import Persistence
import PostgresNIO
import Synchronization

extension PostgresJobStore {
    /// One statement, so one round trip in the common case: the task leased (the oldest expired
    /// lease, else the next queued task of the fairest organisation, each found through its own
    /// partial index; SKIP LOCKED: a task another
    /// worker is claiming right now is passed over, not waited for), its job locked and moved as
    /// `JobTransitions.claimed` says (running, started, its attempts; the `status` event when it
    /// was queued — the event's JSON built by the server, in `JobEvent`'s own encoding). Written
    /// in SQL rather than planned from a snapshot because the claim is the queue's hot path: one
    /// round trip instead of five; `aClaimMovesTheJobAsTheTransitionsSay` holds it to the planner.
    public func claimTask(
        worker: String, capabilities: [Capability], fallbackAfter: Double?, excludingRegions: [String],
        leaseSeconds: Double
    ) async throws -> ClaimedTask? {
        guard !capabilities.isEmpty else { return nil }
        let now = self.now
        let names = capabilities.map(\.rawValue)
        // A fallback task waits for its preferred workers until `fallbackAfter` has passed.
        let waitedUntil = fallbackAfter.map { now - $0 } ?? -Double.greatestFiniteMagnitude
        let sweep = sweptAt.withLock { last in
            defer { if now - last >= 1 { last = now } }
            return now - last >= 1
        }
        // Expired last attempts are rare: looked for at most once a second per process.
        if sweep { try await transaction { connection in try await self.failAbandonedTasks(now: now, on: connection) } }
        // JSONEncoder's default for dates: seconds since 2001-01-01.
        let at = Date(timeIntervalSince1970: now).timeIntervalSinceReferenceDate
        // Fair between organisations: the fairest one's next task in the claiming statement itself
        // (one round trip); only when it has nothing this worker takes, the others in turn. An
        // expired lease (its worker died) goes before them all.
        if let claimed = try await claim(
            worker: worker, names: names, waitedUntil: waitedUntil, excluded: excludingRegions, organization: nil,
            leaseSeconds: leaseSeconds,
            now: now, at: at)
        {
            return claimed
        }
        for organization in try await organizationsByLoad(now: now).dropFirst() {
            if let claimed = try await claim(
                worker: worker, names: names, waitedUntil: waitedUntil, excluded: excludingRegions,
                organization: organization,
                leaseSeconds: leaseSeconds, now: now, at: at)
            {
                return claimed
            }
        }
        return nil
    }

    /// `FairClaim.organizationsByLoad`: the organisations with queued tasks, fairest first.
    func organizationsByLoad(now: Double) async throws -> [String] {
        try await all(PostgresQuery(unsafeSQL: FairClaim.organizationsByLoad(now: now))) {
            try $0.get("organization", as: String.self)
        }
    }

    /// One claiming statement: an expired lease, else the next task of `organization` (nil: the
    /// fairest organisation; then its job's priority, then the oldest); nil when neither is there
    /// (or another worker locked it first).
    private func claim(
        worker: String, names: [String], waitedUntil: Double, excluded: [String], organization: String?,
        leaseSeconds: Double,
        now: Double, at: Double
    ) async throws -> ClaimedTask? {
        try await retryingConflicts {
            try await self.one(
                """
                WITH task AS (
                    UPDATE tasks SET status = 'leased', lease_owner = \(worker),
                        lease_expires_at = \(now + leaseSeconds), started_at = \(now),
                        attempts = attempts + 1
                    -- An expired lease (a worker died) before the queue: there are few, and they are the oldest work.
                    WHERE id = COALESCE(
                        (SELECT id FROM tasks
                         WHERE status = 'leased' AND lease_expires_at <= \(now)
                             AND (capability = ANY(\(names))
                                 OR (fallback = ANY(\(names)) AND available_at <= \(waitedUntil)))
                             AND (region IS NULL OR NOT (region = ANY(\(excluded))))
                         ORDER BY lease_expires_at LIMIT 1 FOR UPDATE SKIP LOCKED),
                        (SELECT id FROM tasks
                         WHERE status = 'queued' AND organization_id = COALESCE(\(organization),
                                 (\(unescaped: FairClaim.organizationsByLoad(now: now)) LIMIT 1))
                             AND available_at <= \(now)
                             AND (capability = ANY(\(names))
                                 OR (fallback = ANY(\(names)) AND available_at <= \(waitedUntil)))
                             AND (region IS NULL OR NOT (region = ANY(\(excluded))))
                         ORDER BY priority DESC, available_at, created_at, seq LIMIT 1 FOR UPDATE SKIP LOCKED))
                    RETURNING *),
                old AS (
                    SELECT jobs.id, jobs.status AS old_status FROM jobs JOIN task ON jobs.id = task.job_id
                    FOR UPDATE OF jobs),
                job AS (
                    UPDATE jobs SET status = 'running', started_at = COALESCE(jobs.started_at, \(now)),
                        attempts = GREATEST(jobs.attempts, task.attempts)
                    FROM old, task WHERE jobs.id = old.id
                    RETURNING jobs.*, old.old_status),
                event AS (
                    INSERT INTO events (job_id, body)
                    SELECT job.id, json_build_object('sequence', 0, 'type', 'status',
                        'jobId', job.id, 'organizationId', job.organization_id, 'status', job.status, 'stage',
                            job.stage,
                        'progress', job.progress, 'at', \(at)::double precision)::text
                    FROM job WHERE job.old_status = 'queued')
                SELECT job.*, task.id AS task_id, task.kind AS task_kind, task.capability AS task_capability,
                    task.fallback AS task_fallback, task.clip_index AS task_clip_index, task.attempts AS task_attempts, task.max_attempts
                        AS task_max_attempts
                FROM job, task
                """, operation: "claimTask"
            ) { row in ClaimedTask(task: try TaskRecord(claimedRow: row), job: try Job(row: row)) }
        }
    }

    /// A task whose worker vanished on its last attempt cannot be retried: fail its job.
    func failAbandonedTasks(now: Double, on connection: PostgresConnection) async throws {
        let abandoned = try await all(
            """
            SELECT id, job_id FROM tasks WHERE status = 'leased' AND lease_expires_at <= \(now)
                AND attempts >= max_attempts
            FOR UPDATE SKIP LOCKED
            """, on: connection
        ) { (try $0.get("job_id", as: JobID.self), try $0.get("id", as: TaskID.self)) }
        for (jobId, taskId) in abandoned {
            guard let snapshot = try await snapshot(.job(jobId, organizationId: nil), now: now, on: connection) else {
                continue
            }
            try await apply(JobTransitions.abandoned(snapshot, taskId: taskId), to: jobId, now: now, on: connection)
        }
    }

    public func heartbeat(taskId: TaskID, worker: String, leaseSeconds: Double) async throws -> LeaseState {
        let now = self.now
        guard
            let row = try await one(
                """
                UPDATE tasks SET lease_expires_at = CASE WHEN status = 'leased' AND lease_owner = \(worker)
                    THEN \(now + leaseSeconds)
                    ELSE lease_expires_at END
                WHERE id = \(taskId) RETURNING status, lease_owner
                """, { (try $0.get("status", as: String.self), try $0.get("lease_owner", as: String?.self)) })
        else { return .cancelled }
        if row.0 == "cancelled" { return .cancelled }
        return row.0 == "leased" && row.1 == worker ? .held : .lost
    }

    public func releaseTask(taskId: TaskID, worker: String) async throws {
        try await run(
            """
            UPDATE tasks SET status = 'queued', available_at = \(now), lease_owner = NULL, lease_expires_at = NULL,
                progress = 0,
                attempts = GREATEST(attempts - 1, 0)
            WHERE id = \(taskId) AND status = 'leased' AND lease_owner = \(worker)
            """)
    }

    public func queueSize() async throws -> Int {
        try await one("SELECT COUNT(*) AS n FROM tasks WHERE status = 'queued'") { try $0.get("n", as: Int.self) } ?? 0
    }
}
