import ClipGenCore
import Foundation
import GRDB
import Persistence

extension SQLiteJobStore {
    public func webhookSecret(organizationId: OrganizationID) async throws -> String? {
        try read { db in
            try String.fetchOne(
                db, sql: "SELECT webhook_secret FROM organizations WHERE id = ?", arguments: [organizationId])
        }
    }

    @discardableResult
    public func setWebhookSecret(_ secret: String, organizationId: OrganizationID, onlyIfUnset: Bool) async throws
        -> String
    {
        try await pool.write { db in
            try db.execute(
                sql: onlyIfUnset
                    ? "UPDATE organizations SET webhook_secret = COALESCE(webhook_secret, ?) WHERE id = ?"
                    : "UPDATE organizations SET webhook_secret = ? WHERE id = ?", arguments: [secret, organizationId])
            return try String.fetchOne(
                db, sql: "SELECT webhook_secret FROM organizations WHERE id = ?", arguments: [organizationId]) ?? secret
        }
    }

    public func claimWebhookDelivery(lease: TimeInterval) async throws -> WebhookDelivery? {
        let now = self.now
        // Most polls find nothing due: a read first, so they do not queue behind the writers.
        let due = try read { db in
            try Bool.fetchOne(
                db, sql: "SELECT 1 FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= ? LIMIT 1",
                arguments: [now]) != nil
        }
        guard due else { return nil }
        return try await pool.write { db in
            guard
                let id = try String.fetchOne(
                    db,
                    sql: """
                        SELECT id FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= ?
                            ORDER BY next_attempt_at LIMIT 1
                        """, arguments: [now])
            else { return nil }
            try db.execute(
                sql: "UPDATE webhook_deliveries SET next_attempt_at = ? WHERE id = ?", arguments: [now + lease, id])
            return try Self.delivery(db, id: id)
        }
    }

    public func recordWebhookAttempt(
        deliveryId: String, _ attempt: WebhookAttempt, state: WebhookDelivery.State, retryAt: Date?
    ) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO webhook_attempts (delivery_id, number, at, status_code, error, duration)
                        VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    deliveryId, attempt.number, attempt.at.timeIntervalSince1970, attempt.statusCode, attempt.error,
                    attempt.durationSeconds,
                ])
            try db.execute(
                sql:
                    """
                    UPDATE webhook_deliveries SET state = ?, next_attempt_at = COALESCE(?, next_attempt_at) WHERE \
                    id = ?
                    """,
                arguments: [state.rawValue, retryAt?.timeIntervalSince1970, deliveryId])
        }
    }

    public func webhookDeliveries(jobId: JobID, organizationId: OrganizationID) async throws -> [WebhookDelivery] {
        try read { db in
            try String.fetchAll(
                db,
                sql:
                    """
                    SELECT id FROM webhook_deliveries WHERE job_id = ? AND organization_id = ? ORDER BY \
                    created_at, id
                    """,
                arguments: [jobId, organizationId]
            ).compactMap { try Self.delivery(db, id: $0) }
        }
    }

    static func delivery(_ db: Database, id: String) throws -> WebhookDelivery? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM webhook_deliveries WHERE id = ?", arguments: [id])
        else { return nil }
        let attempts = try Row.fetchAll(
            db, sql: "SELECT * FROM webhook_attempts WHERE delivery_id = ? ORDER BY number", arguments: [id]
        ).map { row in
            WebhookAttempt(
                number: row["number"], at: Date(timeIntervalSince1970: row["at"]), statusCode: row["status_code"],
                error: row["error"],
                durationSeconds: row["duration"])
        }
        guard let state = WebhookDelivery.State(rawValue: row["state"]) else { return nil }
        return WebhookDelivery(
            id: id, organizationId: row["organization_id"], jobId: row["job_id"], url: row["url"],
            event: try JSONCoding.decode(JobEvent.self, row["body"]),
            batch: try (row["batch"] as String?).map { try JSONCoding.decode(Batch.self, $0) }, state: state,
            attempts: attempts,
            createdAt: Date(timeIntervalSince1970: row["created_at"]))
    }
}
