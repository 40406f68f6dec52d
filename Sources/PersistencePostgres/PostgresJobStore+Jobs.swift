import ClipGenCore
import Foundation
import Persistence
import PostgresNIO

extension PostgresJobStore {
    /// The job columns a read needs (`SQLColumns.jobSummary`), the same in both SQL stores.
    static var jobSummaryColumns: String { SQLColumns.jobSummary }

    public func createJob(_ job: Job, firstTask: TaskRecord, idempotencyKey: IdempotencyKey?) async throws
        -> JobCreation
    {
        let now = self.now
        return try await transaction { connection in
            if let idempotencyKey {
                if let earlier = try await self.jobFor(idempotencyKey, of: job, now: now, on: connection) {
                    return JobCreation(job: earlier, created: false)
                }
                try await self.execute(
                    """
                    DELETE FROM idempotency_keys WHERE organization_id = \(job.organizationId)
                        AND owner_id = \(job.ownerId) AND key = \(idempotencyKey.key)
                    """, on: connection)
            }
            try await self.insertJob(job, firstTask: firstTask, now: now, on: connection)
            if let idempotencyKey {
                // A request with the same key racing this one: whichever inserts the key first wins; the
                // other waits here for it to commit, then removes its own job and answers with the first.
                let claimed =
                    try await self.one(
                        """
                        INSERT INTO idempotency_keys (organization_id, owner_id, key, fingerprint, created_at, job_id)
                        VALUES (\(job.organizationId), \(job.ownerId), \(idempotencyKey.key),
                            \(idempotencyKey.fingerprint), \(now), \(job.id))
                        ON CONFLICT DO NOTHING RETURNING job_id
                        """, on: connection
                    ) { _ in true } ?? false
                if !claimed {
                    try await self.execute("DELETE FROM jobs WHERE id = \(job.id)", on: connection)
                    if let earlier = try await self.jobFor(idempotencyKey, of: job, now: now, on: connection) {
                        return JobCreation(job: earlier, created: false)
                    }
                }
            }
            try await self.apply(
                JobTransitions.created(job, at: Date(timeIntervalSince1970: now)), to: job.id, now: now, on: connection)
            return JobCreation(job: try await self.fetchJob(job.id, on: connection)!, created: true)
        }
    }

    /// The job's row and its first task; its `queued` event is the caller's to write.
    func insertJob(_ job: Job, firstTask: TaskRecord, now: Double, on connection: PostgresConnection) async throws {
        try await execute(
            """
            INSERT INTO jobs (id, organization_id, owner_id, upload_id, status, stage, progress, request,
                created_at, webhook_url, priority, batch_id)
            VALUES (\(job.id), \(job.organizationId), \(job.ownerId), \(job.uploadId), \(job.status.rawValue),
                \(job.stage.rawValue), 0, \(try JSONCoding.encode(job.request)), \(job.createdAt.timeIntervalSince1970),
                \(job.request.webhookUrl), \(job.request.resolvedPriority), \(job.request.batch))
            """, on: connection)
        // A re-render starts from its job's probe.
        if let media = job.media { try await applyDocuments(JobDocuments(media: media), jobId: job.id, on: connection) }
        try await insertTask(firstTask, availableAt: now, on: connection)
    }

    /// The live job made with this key by the same owner; throws when it was for another request.
    private func jobFor(_ key: IdempotencyKey, of job: Job, now: Double, on connection: PostgresConnection) async throws
        -> Job?
    {
        let found = try await one(
            """
            SELECT k.fingerprint AS key_fingerprint, j.* FROM idempotency_keys k JOIN jobs j ON j.id = k.job_id
            WHERE k.organization_id = \(job.organizationId) AND k.owner_id = \(job.ownerId) AND k.key = \(key.key)
              AND k.created_at > \(now - key.lifetime)
            """, on: connection
        ) { row in (try row.get("key_fingerprint", as: String.self), try Job(row: row)) }
        guard let (fingerprint, earlier) = found else { return nil }
        guard fingerprint.isEmpty || fingerprint == key.fingerprint else { throw StoreError.idempotencyKeyReused }
        return earlier
    }

    public func job(id: JobID, organizationId: OrganizationID) async throws -> Job? {
        try await one(
            """
            SELECT \(unescaped: Self.jobSummaryColumns) FROM jobs WHERE id = \(id) AND organization_id = \
            \(organizationId)
            """,
            Job.init(row:))
    }

    public func jobMedia(id: JobID, organizationId: OrganizationID) async throws -> MediaInfo? {
        try await one(
            "SELECT source FROM jobs WHERE id = \(id) AND organization_id = \(organizationId)"
        ) { try $0.json("source", as: MediaInfo.self) } ?? nil
    }

    public func jobStatus(id: JobID, organizationId: OrganizationID) async throws -> JobStatus? {
        try await one("SELECT status FROM jobs WHERE id = \(id) AND organization_id = \(organizationId)") { row in
            JobStatus(rawValue: try row.get("status", as: String.self))
        } ?? nil
    }

    public func jobs(organizationId: OrganizationID, status: JobStatus?, page: PageRequest) async throws -> Page<Job> {
        try await self.page(
            table: "jobs", columns: Self.jobSummaryColumns, organizationId: organizationId, status: status, page: page,
            map: Job.init(row:))
    }

    public func cancelJob(id: JobID, organizationId: OrganizationID) async throws -> Job? {
        try await changeJob(.job(id, organizationId: organizationId)) { snapshot in
            let change = JobTransitions.cancelled(snapshot)
            return (change, change.job ?? snapshot.job)
        }
    }

    public func deleteJob(id: JobID, organizationId: OrganizationID) async throws -> [BlobKey]? {
        try await transaction { connection in
            guard
                let board = try await self.one(
                    """
                    SELECT storyboard FROM jobs WHERE id = \(id) AND organization_id = \(organizationId) FOR UPDATE
                    """, on: connection, { try $0.json("storyboard", as: Storyboard.self) })
            else { return nil }
            return try await self.removeJob(id, storyboard: board, on: connection)
        }
    }

    /// Deletes the job's row (its tasks, clips and analysis go with it); answers the files it named.
    func removeJob(_ id: JobID, storyboard: Storyboard?, on connection: PostgresConnection) async throws -> [BlobKey] {
        var keys = try await all("SELECT * FROM clips WHERE job_id = \(id)", on: connection) {
            try Clip(row: $0).blobKeys
        }.flatMap { $0 }
        if let key = storyboard?.blobKey { keys.append(key) }
        try await execute("DELETE FROM jobs WHERE id = \(id)", on: connection)
        return keys
    }

    public func clips(jobId: JobID) async throws -> [Clip] {
        try await all("SELECT * FROM clips WHERE job_id = \(jobId) ORDER BY idx", Clip.init(row:))
    }

    public func clips(jobIds: [JobID]) async throws -> [JobID: [Clip]] {
        guard !jobIds.isEmpty else { return [:] }
        let clips = try await all(
            "SELECT * FROM clips WHERE job_id = ANY(\(jobIds.map(\.rawValue))) ORDER BY job_id, idx", Clip.init(row:))
        return Dictionary(grouping: clips, by: \.jobId)
    }

    public func clip(id: ClipID, organizationId: OrganizationID) async throws -> Clip? {
        try await one("SELECT * FROM clips WHERE id = \(id) AND organization_id = \(organizationId)", Clip.init(row:))
    }

    public func analysis(jobId: JobID, organizationId: OrganizationID) async throws -> Analysis? {
        try await one(
            """
            SELECT a.body FROM analyses a JOIN jobs j ON j.id = a.job_id WHERE a.job_id = \(jobId)
                AND j.organization_id = \(organizationId)
            """
        ) { try $0.json("body", as: Analysis.self) } ?? nil
    }

    /// The whole job, keyframe index included: what a worker needs.
    func fetchJob(_ id: JobID, on connection: PostgresConnection) async throws -> Job? {
        try await one("SELECT * FROM jobs WHERE id = \(id)", on: connection, Job.init(row:))
    }

    func insertTask(_ task: TaskRecord, availableAt: Double, on connection: PostgresConnection) async throws {
        try await execute(
            """
            INSERT INTO tasks (id, job_id, kind, capability, fallback, clip_index, status, attempts,
                max_attempts, available_at, created_at, organization_id, priority, region)
            SELECT \(task.id), \(task.jobId), \(task.kind.rawValue), \(task.capability.rawValue),
                \(task.fallback?.rawValue), \(task.clipIndex), 'queued', 0, \(task.maxAttempts), \(availableAt),
                \(availableAt), organization_id, priority,
                (SELECT home_region FROM organizations WHERE organizations.id = jobs.organization_id)
            FROM jobs WHERE id = \(task.jobId)
            """, on: connection)
    }
}
