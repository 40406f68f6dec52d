import ClipGenCore
import Foundation
import Persistence
import PostgresNIO

extension PostgresJobStore {
    public func recordAudit(_ event: AuditEvent) async throws {
        try await run(
            """
            INSERT INTO audit_events (organization_id, actor_user_id, actor_api_key_id, action, target, outcome,
                status, address, request_id, at)
            VALUES (\(event.organizationId), \(event.actorUserId), \(event.actorAPIKeyId), \(event.action),
                \(event.target), \(event.outcome),
                    \(event.status), \(event.address), \(event.requestId), \(event.at.timeIntervalSince1970))
            """)
    }

    public func auditEvents(organizationId: OrganizationID?, filter: AuditFilter, page: PageRequest) async throws
        -> Page<AuditEvent>
    {
        let before = try AuditCursor.decode(page.cursor)
        // Absent filters are NULL parameters that match everything: one statement, no string building.
        let rows = try await all(
            """
            SELECT * FROM audit_events
            WHERE organization_id IS NOT DISTINCT FROM \(organizationId)::TEXT
              AND (\(before)::BIGINT IS NULL OR seq < \(before))
              AND (\(filter.actorUserId)::TEXT IS NULL OR actor_user_id = \(filter.actorUserId))
              AND (\(filter.outcome)::TEXT IS NULL OR outcome = \(filter.outcome))
              AND (\(filter.actionPrefix)::TEXT IS NULL
                  OR left(action, length(\(filter.actionPrefix))) = \(filter.actionPrefix))
              AND (\(filter.from?.timeIntervalSince1970)::DOUBLE PRECISION IS NULL
                  OR at >= \(filter.from?.timeIntervalSince1970))
              AND (\(filter.to?.timeIntervalSince1970)::DOUBLE PRECISION IS NULL
                  OR at < \(filter.to?.timeIntervalSince1970))
            ORDER BY seq DESC LIMIT \(page.limit + 1)
            """
        ) { row in
            AuditEvent(
                sequence: try row.get("seq", as: Int64.self),
                organizationId: try row.get("organization_id", as: OrganizationID?.self),
                actorUserId: try row.get("actor_user_id", as: UserID?.self),
                actorAPIKeyId: try row.get("actor_api_key_id", as: String?.self),
                action: try row.get("action", as: String.self), target: try row.get("target", as: String?.self),
                outcome: try row.get("outcome", as: String.self), status: try row.get("status", as: Int.self),
                address: try row.get("address", as: String?.self),
                requestId: try row.get("request_id", as: String?.self),
                at: try row.date("at")!)
        }
        let events = Array(rows.prefix(page.limit))
        return Page(
            items: events,
            nextCursor: rows.count > page.limit ? events.last.map { AuditCursor.encode($0.sequence) } : nil)
    }
}
