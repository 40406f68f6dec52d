import ClipGenCore
import Foundation
import GRDB
import Persistence

extension SQLiteJobStore {
    public func recordAudit(_ event: AuditEvent) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO audit_events (organization_id, actor_user_id, actor_api_key_id, action, target,
                        outcome, status, address, request_id, at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    event.organizationId, event.actorUserId, event.actorAPIKeyId, event.action, event.target,
                    event.outcome,
                    event.status, event.address, event.requestId, event.at.timeIntervalSince1970,
                ])
        }
    }

    public func auditEvents(organizationId: OrganizationID?, filter: AuditFilter, page: PageRequest) async throws
        -> Page<AuditEvent>
    {
        let before = try AuditCursor.decode(page.cursor)
        return try read { db in
            var conditions = ["organization_id IS ?"]
            var arguments: StatementArguments = [organizationId]
            if let before {
                conditions.append("seq < ?")
                arguments += [before]
            }
            if let actor = filter.actorUserId {
                conditions.append("actor_user_id = ?")
                arguments += [actor]
            }
            if let outcome = filter.outcome {
                conditions.append("outcome = ?")
                arguments += [outcome]
            }
            if let prefix = filter.actionPrefix {
                conditions.append("substr(action, 1, ?) = ?")
                arguments += [prefix.count, prefix]
            }
            if let from = filter.from {
                conditions.append("at >= ?")
                arguments += [from.timeIntervalSince1970]
            }
            if let to = filter.to {
                conditions.append("at < ?")
                arguments += [to.timeIntervalSince1970]
            }
            arguments += [page.limit + 1]
            let rows = try Row.fetchAll(
                db,
                sql:
                    """
                    SELECT * FROM audit_events WHERE \(conditions.joined(separator: " AND ")) ORDER BY seq DESC \
                    LIMIT ?
                    """,
                arguments: arguments)
            let events = rows.prefix(page.limit).map { row in
                AuditEvent(
                    sequence: row["seq"], organizationId: row["organization_id"], actorUserId: row["actor_user_id"],
                    actorAPIKeyId: row["actor_api_key_id"], action: row["action"], target: row["target"],
                    outcome: row["outcome"],
                    status: row["status"], address: row["address"], requestId: row["request_id"],
                    at: Date(timeIntervalSince1970: row["at"]))
            }
            return Page(
                items: Array(events),
                nextCursor: rows.count > page.limit ? events.last.map { AuditCursor.encode($0.sequence) } : nil)
        }
    }
}
