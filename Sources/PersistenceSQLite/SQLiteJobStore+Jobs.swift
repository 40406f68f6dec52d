import ClipGenCore
import Foundation
import GRDB
import Persistence

extension SQLiteJobStore {
    /// The job columns a read needs (`SQLColumns.jobSummary`), the same in both SQL stores.
    static var jobSummaryColumns: String { SQLColumns.jobSummary }

    public func createJob(_ job: Job, firstTask: TaskRecord, idempotencyKey: IdempotencyKey?) async throws
        -> JobCreation
    {
        let now = self.now
        return try await pool.write { db in
            if let idempotencyKey {
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT job_id, fingerprint, created_at FROM idempotency_keys WHERE organization_id = ?
                            AND owner_id = ? AND key = ?
                        """, arguments: [job.organizationId, job.ownerId, idempotencyKey.key])
                if let row {
                    let createdAt: Double = row["created_at"]
                    if createdAt > now - idempotencyKey.lifetime {
                        let fingerprint: String = row["fingerprint"]
                        guard fingerprint.isEmpty || fingerprint == idempotencyKey.fingerprint else {
                            throw StoreError.idempotencyKeyReused
                        }
                        if let earlier = try Self.fetchJob(db, id: row["job_id"]) {
                            return JobCreation(job: earlier, created: false)
                        }
                    }
                    try db.execute(
                        sql: "DELETE FROM idempotency_keys WHERE organization_id = ? AND owner_id = ? AND key = ?",
                        arguments: [job.organizationId, job.ownerId, idempotencyKey.key])
                }
            }
            try Self.insertJob(job, firstTask: firstTask, db, now: now)
            if let idempotencyKey {
                try db.execute(
                    sql: """
                        INSERT INTO idempotency_keys (organization_id, owner_id, key, fingerprint, created_at,
                            job_id) VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        job.organizationId, job.ownerId, idempotencyKey.key, idempotencyKey.fingerprint, now, job.id,
                    ])
            }
            try Self.apply(JobTransitions.created(job, at: Date(timeIntervalSince1970: now)), to: job.id, db, now: now)
            return JobCreation(job: try Self.fetchJob(db, id: job.id)!, created: true)
        }
    }

    /// The job's row and its first task; its `queued` event is the caller's to write.
    static func insertJob(_ job: Job, firstTask: TaskRecord, _ db: Database, now: Double) throws {
        try db.execute(
            sql: """
                INSERT INTO jobs (id, organization_id, owner_id, upload_id, status, stage, progress, request,
                    created_at, webhook_url, priority, batch_id)
                VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)
                """,
            arguments: [
                job.id, job.organizationId, job.ownerId, job.uploadId, job.status.rawValue, job.stage.rawValue,
                try JSONCoding.encode(job.request), job.createdAt.timeIntervalSince1970, job.request.webhookUrl,
                job.request.resolvedPriority, job.request.batch,
            ])
        // A re-render starts from its job's probe.
        if let media = job.media { try applyDocuments(JobDocuments(media: media), jobId: job.id, db) }
        try insertTask(db, firstTask, availableAt: now)
    }

    public func job(id: JobID, organizationId: OrganizationID) async throws -> Job? {
        try read { db in
            try Row.fetchOne(
                db.cachedStatement(
                    sql: "SELECT \(Self.jobSummaryColumns) FROM jobs WHERE id = ? AND organization_id = ?"),
                arguments: [id, organizationId]
            ).map(Job.init(row:))
        }
    }

    public func jobMedia(id: JobID, organizationId: OrganizationID) async throws -> MediaInfo? {
        try read { db in
            try String.fetchOne(
                db, sql: "SELECT source FROM jobs WHERE id = ? AND organization_id = ?",
                arguments: [id, organizationId]
            ).map { try JSONCoding.decode(MediaInfo.self, $0) }
        }
    }

    public func jobStatus(id: JobID, organizationId: OrganizationID) async throws -> JobStatus? {
        try read { db in
            try String.fetchOne(
                db.cachedStatement(sql: "SELECT status FROM jobs WHERE id = ? AND organization_id = ?"),
                arguments: [id, organizationId]
            ).flatMap(JobStatus.init(rawValue:))
        }
    }

    public func jobs(organizationId: OrganizationID, status: JobStatus?, page: PageRequest) async throws -> Page<Job> {
        try read { db in
            if let status {
                return try Self.page(
                    db, table: "jobs", columns: Self.jobSummaryColumns, filter: "organization_id = ? AND status = ?",
                    arguments: [organizationId, status.rawValue], page: page, map: Job.init(row:))
            }
            return try Self.page(
                db, table: "jobs", columns: Self.jobSummaryColumns, filter: "organization_id = ?",
                arguments: [organizationId], page: page, map: Job.init(row:))
        }
    }

    public func cancelJob(id: JobID, organizationId: OrganizationID) async throws -> Job? {
        try await changeJob(.job(id, organizationId: organizationId)) { snapshot in
            let change = JobTransitions.cancelled(snapshot)
            return (change, change.job ?? snapshot.job)
        }
    }

    public func deleteJob(id: JobID, organizationId: OrganizationID) async throws -> [BlobKey]? {
        try await pool.write { db in
            guard
                try Bool.fetchOne(
                    db, sql: "SELECT 1 FROM jobs WHERE id = ? AND organization_id = ?", arguments: [id, organizationId])
                    != nil
            else { return nil }
            return try Self.removeJob(db, id)
        }
    }

    /// Deletes the job's row (its tasks, clips and analysis go with it); answers the files it named.
    static func removeJob(_ db: Database, _ id: JobID) throws -> [BlobKey] {
        var keys = try Row.fetchAll(db, sql: "SELECT * FROM clips WHERE job_id = ?", arguments: [id]).flatMap {
            try Clip(row: $0).blobKeys
        }
        if let board = try String.fetchOne(db, sql: "SELECT storyboard FROM jobs WHERE id = ?", arguments: [id]),
            let key = try JSONCoding.decode(Storyboard.self, board).blobKey
        {
            keys.append(key)
        }
        try db.execute(sql: "DELETE FROM jobs WHERE id = ?", arguments: [id])
        return keys
    }

    public func clips(jobId: JobID) async throws -> [Clip] {
        try read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: "SELECT * FROM clips WHERE job_id = ? ORDER BY idx"), arguments: [jobId]
            ).map(Clip.init(row:))
        }
    }

    public func clips(jobIds: [JobID]) async throws -> [JobID: [Clip]] {
        guard !jobIds.isEmpty else { return [:] }
        return try read { db in
            let placeholders = jobIds.map { _ in "?" }.joined(separator: ", ")
            let clips = try Row.fetchAll(
                db, sql: "SELECT * FROM clips WHERE job_id IN (\(placeholders)) ORDER BY job_id, idx",
                arguments: StatementArguments(jobIds)
            ).map(Clip.init(row:))
            return Dictionary(grouping: clips, by: \.jobId)
        }
    }

    public func clip(id: ClipID, organizationId: OrganizationID) async throws -> Clip? {
        try read { db in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM clips WHERE id = ? AND organization_id = ?"),
                arguments: [id, organizationId]
            )
            .map(Clip.init(row:))
        }
    }

    public func analysis(jobId: JobID, organizationId: OrganizationID) async throws -> Analysis? {
        try read { db in
            try String.fetchOne(
                db,
                sql: """
                    SELECT a.body FROM analyses a JOIN jobs j ON j.id = a.job_id WHERE a.job_id = ?
                        AND j.organization_id = ?
                    """, arguments: [jobId, organizationId]
            ).map { try JSONCoding.decode(Analysis.self, $0) }
        }
    }

    /// The whole job, keyframe index included: what a worker needs.
    static func fetchJob(_ db: Database, id: JobID) throws -> Job? {
        try Row.fetchOne(db, sql: "SELECT * FROM jobs WHERE id = ?", arguments: [id]).map(Job.init(row:))
    }

    static func insertTask(_ db: Database, _ task: TaskRecord, availableAt: Double) throws {
        try db.execute(
            sql: """
                INSERT INTO tasks (id, job_id, kind, capability, fallback, clip_index, status, attempts,
                    max_attempts, available_at, created_at, organization_id, priority, region)
                SELECT ?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?, ?, organization_id, priority,
                    (SELECT home_region FROM organizations WHERE organizations.id = jobs.organization_id)
                FROM jobs WHERE id = ?
                """,
            arguments: [
                task.id, task.jobId, task.kind.rawValue, task.capability.rawValue, task.fallback?.rawValue,
                task.clipIndex,
                task.maxAttempts, availableAt, availableAt, task.jobId,
            ])
    }
}
