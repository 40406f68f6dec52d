import ClipGenCore
import Foundation
import GRDB
import Persistence

/// Lock, snapshot and apply: what this store does for `JobTransitions`. The single writer is the lock.
extension SQLiteJobStore {
    public func changeJob<Result: Sendable>(
        _ target: JobTarget, _ plan: @escaping @Sendable (JobSnapshot) -> (JobChange, Result)
    ) async throws
        -> Result?
    {
        let now = self.now
        return try await pool.write { db in
            guard let snapshot = try Self.snapshot(db, target, now: now) else { return nil }
            let (change, result) = plan(snapshot)
            try Self.apply(change, to: snapshot.job.id, db, now: now)
            return result
        }
    }

    static func snapshot(_ db: Database, _ target: JobTarget, now: Double) throws -> JobSnapshot? {
        let row: Row? =
            switch target {
            case .job(let id, nil):
                try Row.fetchOne(db, sql: "SELECT \(jobSummaryColumns) FROM jobs WHERE id = ?", arguments: [id])
            case .job(let id, let organizationId?):
                try Row.fetchOne(
                    db, sql: "SELECT \(jobSummaryColumns) FROM jobs WHERE id = ? AND organization_id = ?",
                    arguments: [id, organizationId])
            case .task(let taskId):
                try Row.fetchOne(
                    db, sql: "SELECT \(jobSummaryColumns) FROM jobs WHERE id = (SELECT job_id FROM tasks WHERE id = ?)",
                    arguments: [taskId])
            }
        guard let row else { return nil }
        let job = try Job(row: row)
        let tasks = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM tasks WHERE job_id = ? ORDER BY created_at, rowid"),
            arguments: [job.id]
        ).map(TaskState.init(row:))
        return JobSnapshot(job: job, tasks: tasks, now: Date(timeIntervalSince1970: now))
    }

    /// Writes the change as planned.
    static func apply(_ change: JobChange, to jobId: JobID, _ db: Database, now: Double) throws {
        if let upload = change.upload {
            try db.execute(
                sql: """
                    INSERT INTO uploads (id, organization_id, owner_id, filename, size, sha256, blob_key,
                        created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    upload.id, upload.organizationId, upload.ownerId, upload.filename, upload.size, upload.sha256,
                    upload.blobKey,
                    upload.createdAt.timeIntervalSince1970,
                ])
        }
        for id in change.releasedReservations {
            try db.execute(sql: "DELETE FROM storage_reservations WHERE id = ?", arguments: [id])
        }
        if let job = change.job {
            try db.cachedStatement(
                sql: """
                    UPDATE jobs SET upload_id = ?, status = ?, stage = ?, progress = ?, attempts = ?,
                        started_at = ?, finished_at = ?, error_code = ?, error_message = ?
                    WHERE id = ?
                    """
            ).execute(arguments: [
                job.uploadId, job.status.rawValue, job.stage.rawValue, job.progress, job.attempts,
                job.startedAt?.timeIntervalSince1970, job.finishedAt?.timeIntervalSince1970, job.error?.code.rawValue,
                job.error?.message, job.id,
            ])
        }
        try applyDocuments(change.documents, jobId: jobId, db)
        if let analysis = change.analysis {
            try db.execute(
                sql: "INSERT OR REPLACE INTO analyses (job_id, body) VALUES (?, ?)",
                arguments: [jobId, try JSONCoding.encode(analysis)])
        }
        for clip in change.clips { try insertClip(clip, db) }
        for (index, quality) in change.qualities {
            try db.execute(
                sql: "UPDATE clips SET quality = ? WHERE job_id = ? AND idx = ?",
                arguments: [try JSONCoding.encode(quality), jobId, index])
        }
        for task in change.tasks {
            try db.cachedStatement(
                sql: """
                    UPDATE tasks SET status = ?, progress = ?, available_at = COALESCE(?, available_at),
                        finished_at = COALESCE(?, finished_at),
                        last_error_code = COALESCE(?, last_error_code), last_error_message = COALESCE(?,
                            last_error_message),
                        lease_owner = CASE WHEN ? = 'leased' THEN lease_owner END, lease_expires_at = CASE
                            WHEN ? = 'leased' THEN lease_expires_at END
                    WHERE id = ?
                    """
            ).execute(arguments: [
                task.status.rawValue, task.progress, task.availableAt?.timeIntervalSince1970,
                task.finishedAt?.timeIntervalSince1970,
                task.error?.code.rawValue, task.error?.message, task.status.rawValue, task.status.rawValue, task.id,
            ])
        }
        for task in change.newTasks { try insertTask(db, task, availableAt: now) }
        for event in change.events {
            try db.cachedStatement(sql: "INSERT INTO events (job_id, body) VALUES (?, ?)")
                .execute(arguments: [event.jobId, try JSONCoding.encode(event)])
        }
        if let delivery = change.webhook { try insertDelivery(delivery, db) }
        if let (batchId, event) = BatchTransitions.endingEvent(of: change) {
            try settleBatch(batchId, by: event, db, now: now)
        }
    }

    static func insertDelivery(_ delivery: WebhookDelivery, _ db: Database) throws {
        let at = delivery.createdAt.timeIntervalSince1970
        try db.execute(
            sql: """
                INSERT INTO webhook_deliveries (id, organization_id, job_id, url, body, batch, state, next_attempt_at,
                    created_at)
                VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)
                """,
            arguments: [
                delivery.id, delivery.organizationId, delivery.jobId, delivery.url,
                try JSONCoding.encode(delivery.event), try delivery.batch.map { try JSONCoding.encode($0) }, at, at,
            ])
    }

    static func applyDocuments(_ documents: JobDocuments, jobId: JobID, _ db: Database) throws {
        if let media = documents.media {
            try db.execute(
                sql: "UPDATE jobs SET source = ?, source_info = ? WHERE id = ?",
                arguments: [try JSONCoding.encode(media), try JSONCoding.encode(media.sourceInfo), jobId])
        }
        if let storyboard = documents.storyboard {
            try db.execute(
                sql: "UPDATE jobs SET storyboard = ? WHERE id = ?",
                arguments: [try JSONCoding.encode(storyboard), jobId])
        }
        if let highlights = documents.highlights {
            try db.execute(
                sql: "UPDATE jobs SET highlights = ? WHERE id = ?",
                arguments: [try JSONCoding.encode(highlights), jobId])
        }
    }

    static func insertClip(_ clip: Clip, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO clips (id, job_id, organization_id, idx, name, start, "end", actual_start, duration,
                    format, mode_used,
                    fallback_reason, size, sha256, blob_key, score, loudness_lufs, encoder, thumbnail_key, reason,
                        quality, presentation, renditions, renditions_size, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                clip.id, clip.jobId, clip.organizationId, clip.index, clip.name, clip.start, clip.end, clip.actualStart,
                clip.duration, clip.format.rawValue, clip.modeUsed.rawValue, clip.fallbackReason, clip.size,
                clip.sha256,
                clip.blobKey, clip.score, clip.loudnessLUFS, clip.encoder, clip.thumbnailKey, clip.reason,
                try clip.quality.map { try JSONCoding.encode($0) },
                clip.presentation.isEmpty ? nil : try JSONCoding.encode(clip.presentation),
                clip.renditions.isEmpty ? nil : try JSONCoding.encode(clip.renditions), clip.storedSize - clip.size,
                clip.createdAt.timeIntervalSince1970,
            ])
    }
}
