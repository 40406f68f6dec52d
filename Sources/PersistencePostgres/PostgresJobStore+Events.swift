import ClipGenCore
import Foundation
import Persistence
import PostgresNIO

extension PostgresJobStore {
    /// Writes an event about the job as it is now, inside the caller's transaction (which holds
    /// the job's lock, so one job's events take sequence numbers in the order they happened).
    func record(_ type: JobEvent.Kind, jobId: JobID, clip: Clip? = nil, error: JobError? = nil, at: Double,
                on connection: PostgresConnection) async throws {
        guard let row = try await one("SELECT organization_id, status, stage, progress FROM jobs WHERE id = \(jobId)", on: connection, {
            (try $0.get("organization_id", as: OrganizationID.self), try $0.get("status", as: String.self), try $0.get("stage", as: String.self),
             try $0.get("progress", as: Double.self))
        }), let status = JobStatus(rawValue: row.1), let stage = JobStage(rawValue: row.2) else { return }
        let event = JobEvent(type: type, jobId: jobId, organizationId: row.0, status: status, stage: stage, progress: row.3, clip: clip,
                             error: error, at: Date(timeIntervalSince1970: at))
        try await insert(event, at: at, on: connection)
    }

    /// The event, and for a terminal one of a job with a webhook URL, its delivery: both in the
    /// transaction of the change.
    private func insert(_ event: JobEvent, at: Double, on connection: PostgresConnection) async throws {
        let body = try JSONCoding.encode(event)
        try await execute("INSERT INTO events (job_id, body) VALUES (\(event.jobId), \(body))", on: connection)
        guard event.isTerminal else { return }
        try await execute("""
            INSERT INTO webhook_deliveries (id, organization_id, job_id, url, body, state, next_attempt_at, created_at)
            SELECT \(Identifier.make()), organization_id, id, webhook_url, \(body), 'pending', \(at), \(at)
            FROM jobs WHERE id = \(event.jobId) AND webhook_url IS NOT NULL
            """, on: connection)
    }

    /// The same, for a job whose row the caller has just read or written (one query fewer).
    func record(_ type: JobEvent.Kind, job: Job, clip: Clip? = nil, error: JobError? = nil, at: Double,
                on connection: PostgresConnection) async throws {
        let event = JobEvent(type: type, jobId: job.id, organizationId: job.organizationId, status: job.status, stage: job.stage,
                             progress: job.progress, clip: clip, error: error, at: Date(timeIntervalSince1970: at))
        try await insert(event, at: at, on: connection)
    }

    public func claimEvents(limit: Int) async throws -> [JobEvent] {
        // SKIP LOCKED: two relays never hand out the same event, and neither waits for the other.
        let claimed = try await all("""
            UPDATE events SET delivered_at = \(now)
            WHERE seq IN (SELECT seq FROM events WHERE delivered_at IS NULL ORDER BY seq LIMIT \(max(1, limit)) FOR UPDATE SKIP LOCKED)
            RETURNING seq, body
            """) { row -> JobEvent in
            var event = try row.json("body", as: JobEvent.self)!
            event.sequence = try row.get("seq", as: Int64.self)
            return event
        }
        return claimed.sorted { $0.sequence < $1.sequence }
    }

    public func pruneEvents(deliveredBefore date: Date) async throws {
        try await run("DELETE FROM events WHERE delivered_at IS NOT NULL AND delivered_at < \(date.timeIntervalSince1970)")
    }
}
