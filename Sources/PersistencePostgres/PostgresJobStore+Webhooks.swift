import ClipGenCore
import Foundation
import Persistence
import PostgresNIO

extension PostgresJobStore {
    public func webhookSecret(organizationId: OrganizationID) async throws -> String? {
        try await one("SELECT webhook_secret FROM organizations WHERE id = \(organizationId)") {
            try $0.get("webhook_secret", as: String?.self)
        } ?? nil
    }

    @discardableResult
    public func setWebhookSecret(_ secret: String, organizationId: OrganizationID, onlyIfUnset: Bool) async throws
        -> String
    {
        let query: PostgresQuery =
            onlyIfUnset
            ? """
            UPDATE organizations SET webhook_secret = COALESCE(webhook_secret, \(secret)) WHERE id = \
            \(organizationId) RETURNING webhook_secret
            """
            : """
            UPDATE organizations SET webhook_secret = \(secret) WHERE id = \(organizationId) RETURNING \
            webhook_secret
            """
        return try await one(query) { try $0.get("webhook_secret", as: String.self) } ?? secret
    }

    public func claimWebhookDelivery(lease: TimeInterval) async throws -> WebhookDelivery? {
        let now = self.now
        // SKIP LOCKED: dispatchers on several replicas never take the same delivery.
        guard
            let id = try await one(
                """
                UPDATE webhook_deliveries SET next_attempt_at = \(now + lease)
                WHERE id = (SELECT id FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= \(now)
                            ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING id
                """, { try $0.get("id", as: String.self) })
        else { return nil }
        return try await delivery(id: id)
    }

    public func recordWebhookAttempt(
        deliveryId: String, _ attempt: WebhookAttempt, state: WebhookDelivery.State, retryAt: Date?
    ) async throws {
        try await transaction { connection in
            try await self.execute(
                """
                INSERT INTO webhook_attempts (delivery_id, number, at, status_code, error, duration)
                VALUES (\(deliveryId), \(attempt.number), \(attempt.at.timeIntervalSince1970),
                    \(attempt.statusCode), \(attempt.error),
                        \(attempt.durationSeconds))
                ON CONFLICT (delivery_id, number) DO NOTHING
                """, on: connection)
            try await self.execute(
                """
                UPDATE webhook_deliveries SET state = \(state.rawValue),
                    next_attempt_at = COALESCE(\(retryAt?.timeIntervalSince1970), next_attempt_at)
                WHERE id = \(deliveryId)
                """, on: connection)
        }
    }

    public func webhookDeliveries(jobId: JobID, organizationId: OrganizationID) async throws -> [WebhookDelivery] {
        let ids = try await all(
            """
            SELECT id FROM webhook_deliveries WHERE job_id = \(jobId) AND organization_id = \(organizationId)
                ORDER BY created_at, id
            """
        ) { try $0.get("id", as: String.self) }
        var deliveries: [WebhookDelivery] = []
        for id in ids { if let delivery = try await delivery(id: id) { deliveries.append(delivery) } }
        return deliveries
    }

    private func delivery(id: String) async throws -> WebhookDelivery? {
        let attempts = try await all("SELECT * FROM webhook_attempts WHERE delivery_id = \(id) ORDER BY number") {
            row in
            WebhookAttempt(
                number: try row.get("number", as: Int.self), at: try row.date("at")!,
                statusCode: try row.get("status_code", as: Int?.self),
                error: try row.get("error", as: String?.self), durationSeconds: try row.get("duration", as: Double.self)
            )
        }
        return try await one("SELECT * FROM webhook_deliveries WHERE id = \(id)") { row -> WebhookDelivery? in
            guard let state = WebhookDelivery.State(rawValue: try row.get("state", as: String.self)) else { return nil }
            return WebhookDelivery(
                id: id, organizationId: try row.get("organization_id"), jobId: try row.get("job_id"),
                url: try row.get("url"),
                event: try row.json("body", as: JobEvent.self)!, batch: try row.json("batch", as: Batch.self),
                state: state, attempts: attempts,
                createdAt: try row.date("created_at")!)
        } ?? nil
    }
}
