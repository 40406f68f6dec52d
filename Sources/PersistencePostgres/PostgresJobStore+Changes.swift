import ClipGenCore
import Foundation
import Persistence
import PostgresNIO

/// Lock, snapshot and apply: what this store does for `JobTransitions`. The job's row lock
/// orders every change to one job.
extension PostgresJobStore {
    public func changeJob<Result: Sendable>(
        _ target: JobTarget, _ plan: @escaping @Sendable (JobSnapshot) -> (JobChange, Result)
    ) async throws
        -> Result?
    {
        let now = self.now
        return try await transaction { connection in
            guard let snapshot = try await self.snapshot(target, now: now, on: connection) else { return nil }
            let (change, result) = plan(snapshot)
            try await self.apply(change, to: snapshot.job.id, now: now, on: connection)
            return result
        }
    }

    /// Locks the job and reads it with its tasks.
    func snapshot(_ target: JobTarget, now: Double, on connection: PostgresConnection) async throws -> JobSnapshot? {
        let query: PostgresQuery =
            switch target {
            case .job(let id, nil):
                "SELECT \(unescaped: Self.jobSummaryColumns) FROM jobs WHERE id = \(id) FOR UPDATE"
            case .job(let id, let organizationId?):
                """
                SELECT \(unescaped: Self.jobSummaryColumns) FROM jobs WHERE id = \(id) AND organization_id = \
                \(organizationId) FOR UPDATE
                """
            case .task(let taskId):
                """
                SELECT \(unescaped: Self.jobSummaryColumns) FROM jobs WHERE id = (SELECT job_id FROM tasks WHERE \
                id = \(taskId)) FOR UPDATE
                """
            }
        guard let job = try await one(query, on: connection, Job.init(row:)) else { return nil }
        let tasks = try await all(
            "SELECT * FROM tasks WHERE job_id = \(job.id) ORDER BY created_at, id", on: connection, TaskState.init(row:)
        )
        return JobSnapshot(job: job, tasks: tasks, now: Date(timeIntervalSince1970: now))
    }

    /// Writes the change as planned.
    func apply(_ change: JobChange, to jobId: JobID, now: Double, on connection: PostgresConnection) async throws {
        if let upload = change.upload {
            try await execute(
                """
                INSERT INTO uploads (id, organization_id, owner_id, filename, size, sha256, blob_key, created_at)
                VALUES (\(upload.id), \(upload.organizationId), \(upload.ownerId), \(upload.filename),
                    \(upload.size), \(upload.sha256),
                        \(upload.blobKey), \(upload.createdAt.timeIntervalSince1970))
                """, on: connection)
        }
        if !change.releasedReservations.isEmpty {
            try await execute(
                "DELETE FROM storage_reservations WHERE id = ANY(\(change.releasedReservations))", on: connection)
        }
        if let job = change.job {
            try await execute(
                """
                UPDATE jobs SET upload_id = \(job.uploadId), status = \(job.status.rawValue),
                    stage = \(job.stage.rawValue), progress = \(job.progress), attempts = \(job.attempts),
                    started_at = \(job.startedAt?.timeIntervalSince1970),
                    finished_at = \(job.finishedAt?.timeIntervalSince1970),
                    error_code = \(job.error?.code.rawValue), error_message = \(job.error?.message)
                WHERE id = \(jobId)
                """, on: connection)
        }
        try await applyDocuments(change.documents, jobId: jobId, on: connection)
        if let analysis = change.analysis {
            try await execute(
                """
                INSERT INTO analyses (job_id, body) VALUES (\(jobId), \(try JSONCoding.encode(analysis)))
                ON CONFLICT (job_id) DO UPDATE SET body = EXCLUDED.body
                """, on: connection)
        }
        for clip in change.clips { try await insertClip(clip, on: connection) }
        for (index, quality) in change.qualities {
            try await execute(
                """
                UPDATE clips SET quality = \(try JSONCoding.encode(quality)) WHERE job_id = \(jobId) AND idx = \
                \(index)
                """,
                on: connection)
        }
        for task in change.tasks {
            try await execute(
                """
                UPDATE tasks SET status = \(task.status.rawValue), progress = \(task.progress),
                    available_at = COALESCE(\(task.availableAt?.timeIntervalSince1970), available_at),
                    finished_at = COALESCE(\(task.finishedAt?.timeIntervalSince1970), finished_at),
                    last_error_code = COALESCE(\(task.error?.code.rawValue), last_error_code),
                    last_error_message = COALESCE(\(task.error?.message), last_error_message),
                    lease_owner = CASE WHEN \(task.status.rawValue) = 'leased' THEN lease_owner END,
                    lease_expires_at = CASE WHEN \(task.status.rawValue) = 'leased' THEN lease_expires_at END
                WHERE id = \(task.id)
                """, on: connection)
        }
        for task in change.newTasks { try await insertTask(task, availableAt: now, on: connection) }
        if !change.events.isEmpty {
            // One statement for all of them; `seq` follows the array's order.
            let bodies = try change.events.map { try JSONCoding.encode($0) }
            try await execute(
                """
                INSERT INTO events (job_id, body) SELECT \(jobId), body
                    FROM unnest(\(bodies)::text[]) WITH ORDINALITY AS e(body, n) ORDER BY n
                """, on: connection)
        }
        if let delivery = change.webhook { try await insertDelivery(delivery, on: connection) }
        if let (batchId, event) = BatchTransitions.endingEvent(of: change) {
            try await settleBatch(batchId, by: event, now: now, on: connection)
        }
    }

    func insertDelivery(_ delivery: WebhookDelivery, on connection: PostgresConnection) async throws {
        let at = delivery.createdAt.timeIntervalSince1970
        try await execute(
            """
            INSERT INTO webhook_deliveries (id, organization_id, job_id, url, body, batch, state, next_attempt_at,
                created_at)
            VALUES (\(delivery.id), \(delivery.organizationId), \(delivery.jobId), \(delivery.url),
                \(try JSONCoding.encode(delivery.event)), \(try delivery.batch.map { try JSONCoding.encode($0) }),
                    'pending', \(at), \(at))
            """, on: connection)
    }

    func applyDocuments(_ documents: JobDocuments, jobId: JobID, on connection: PostgresConnection) async throws {
        if let media = documents.media {
            try await execute(
                """
                UPDATE jobs SET source = \(try JSONCoding.encode(media)),
                    source_info = \(try JSONCoding.encode(media.sourceInfo)) WHERE id = \(jobId)
                """, on: connection)
        }
        if let storyboard = documents.storyboard {
            try await execute(
                "UPDATE jobs SET storyboard = \(try JSONCoding.encode(storyboard)) WHERE id = \(jobId)", on: connection)
        }
        if let highlights = documents.highlights {
            try await execute(
                "UPDATE jobs SET highlights = \(try JSONCoding.encode(highlights)) WHERE id = \(jobId)", on: connection)
        }
    }

    func insertClip(_ clip: Clip, on connection: PostgresConnection) async throws {
        try await execute(
            """
            INSERT INTO clips (id, job_id, organization_id, idx, name, start, "end", actual_start, duration,
                format, mode_used,
                fallback_reason, size, sha256, blob_key, score, loudness_lufs, encoder, thumbnail_key, reason,
                    quality, presentation, renditions, renditions_size, created_at)
            VALUES (\(clip.id), \(clip.jobId), \(clip.organizationId), \(clip.index), \(clip.name), \(clip.start),
                \(clip.end),
                \(clip.actualStart), \(clip.duration), \(clip.format.rawValue), \(clip.modeUsed.rawValue),
                    \(clip.fallbackReason),
                \(clip.size), \(clip.sha256), \(clip.blobKey), \(clip.score), \(clip.loudnessLUFS),
                    \(clip.encoder), \(clip.thumbnailKey),
                \(clip.reason), \(try clip.quality.map { try JSONCoding.encode($0) }),
                \(clip.presentation.isEmpty ? nil : try JSONCoding.encode(clip.presentation)),
                \(clip.renditions.isEmpty ? nil : try JSONCoding.encode(clip.renditions)), \(clip.storedSize - clip.size),
                    \(clip.createdAt.timeIntervalSince1970))
            """, on: connection)
    }
}
