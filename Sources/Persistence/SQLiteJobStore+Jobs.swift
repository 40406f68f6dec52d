import ClipGenCore
import Foundation
import GRDB

extension SQLiteJobStore {
    public func createJob(_ job: Job, firstTask: TaskRecord, idempotencyKey: String?) async throws -> JobCreation {
        let now = self.now
        let creation = try await pool.write { db in
            if let idempotencyKey,
               let existing = try String.fetchOne(db, sql: "SELECT job_id FROM idempotency_keys WHERE organization_id = ? AND key = ?",
                                                  arguments: [job.organizationId, idempotencyKey]),
               let earlier = try Self.fetchJob(db, id: existing) {
                return JobCreation(job: earlier, created: false)
            }
            try db.execute(sql: """
                INSERT INTO jobs (id, organization_id, owner_id, upload_id, status, stage, progress, request, created_at)
                VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)
                """, arguments: [job.id, job.organizationId, job.ownerId, job.uploadId, job.status.rawValue, job.stage.rawValue,
                                 try JSONCoding.encode(job.request), job.createdAt.timeIntervalSince1970])
            try Self.insertTask(db, firstTask, availableAt: now)
            if let idempotencyKey {
                try db.execute(sql: "INSERT INTO idempotency_keys (organization_id, key, job_id) VALUES (?, ?, ?)",
                               arguments: [job.organizationId, idempotencyKey, job.id])
            }
            return JobCreation(job: try Self.fetchJob(db, id: job.id)!, created: true)
        }
        if creation.created { workSignal.notifyAll() }
        return creation
    }

    public func job(id: String, organizationId: String) async throws -> Job? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM jobs WHERE id = ? AND organization_id = ?", arguments: [id, organizationId])
                .map(Job.init(row:))
        }
    }

    public func jobs(organizationId: String, status: JobStatus?, page: PageRequest) async throws -> Page<Job> {
        try await pool.read { db in
            if let status {
                return try Self.page(db, table: "jobs", filter: "organization_id = ? AND status = ?",
                                     arguments: [organizationId, status.rawValue], page: page, map: Job.init(row:))
            }
            return try Self.page(db, table: "jobs", filter: "organization_id = ?", arguments: [organizationId], page: page, map: Job.init(row:))
        }
    }

    public func cancelJob(id: String, organizationId: String) async throws -> Job? {
        let now = self.now
        return try await pool.write { db in
            guard let job = try Row.fetchOne(db, sql: "SELECT * FROM jobs WHERE id = ? AND organization_id = ?",
                                             arguments: [id, organizationId]).map(Job.init(row:)) else { return nil }
            guard !job.status.isTerminal else { return job }
            try db.execute(sql: "UPDATE jobs SET status = 'cancelled', finished_at = ? WHERE id = ?", arguments: [now, id])
            try db.execute(sql: "UPDATE tasks SET status = 'cancelled' WHERE job_id = ? AND status IN ('queued', 'leased')", arguments: [id])
            return try Self.fetchJob(db, id: id)
        }
    }

    public func deleteJob(id: String, organizationId: String) async throws -> [String]? {
        try await pool.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM jobs WHERE id = ? AND organization_id = ?", arguments: [id, organizationId]) != nil
            else { return nil }
            var keys = try String.fetchAll(db, sql: "SELECT blob_key FROM clips WHERE job_id = ?", arguments: [id])
            keys += try String.fetchAll(db, sql: "SELECT thumbnail_key FROM clips WHERE job_id = ? AND thumbnail_key IS NOT NULL", arguments: [id])
            if let board = try String.fetchOne(db, sql: "SELECT storyboard FROM jobs WHERE id = ?", arguments: [id]),
               let key = try JSONCoding.decode(Storyboard.self, board).blobKey {
                keys.append(key)
            }
            try db.execute(sql: "DELETE FROM jobs WHERE id = ?", arguments: [id])
            return keys
        }
    }

    public func clips(jobId: String) async throws -> [Clip] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM clips WHERE job_id = ? ORDER BY idx", arguments: [jobId]).map(Clip.init(row:))
        }
    }

    public func clip(id: String, organizationId: String) async throws -> Clip? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM clips WHERE id = ? AND organization_id = ?", arguments: [id, organizationId])
                .map(Clip.init(row:))
        }
    }

    public func analysis(jobId: String, organizationId: String) async throws -> Analysis? {
        try await pool.read { db in
            try String.fetchOne(db, sql: """
                SELECT a.body FROM analyses a JOIN jobs j ON j.id = a.job_id WHERE a.job_id = ? AND j.organization_id = ?
                """, arguments: [jobId, organizationId]).map { try JSONCoding.decode(Analysis.self, $0) }
        }
    }

    static func fetchJob(_ db: Database, id: String) throws -> Job? {
        try Row.fetchOne(db, sql: "SELECT * FROM jobs WHERE id = ?", arguments: [id]).map(Job.init(row:))
    }

    static func insertTask(_ db: Database, _ task: TaskRecord, availableAt: Double) throws {
        try db.execute(sql: """
            INSERT INTO tasks (id, job_id, kind, capability, clip_index, status, attempts, max_attempts, available_at, created_at)
            VALUES (?, ?, ?, ?, ?, 'queued', 0, ?, ?, ?)
            """, arguments: [task.id, task.jobId, task.kind.rawValue, task.capability.rawValue, task.clipIndex,
                             task.maxAttempts, availableAt, availableAt])
    }
}
