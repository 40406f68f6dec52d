import ClipGenCore
import Foundation
import Persistence
import Synchronization

extension MemoryJobStore {
    public func recordAudit(_ event: AuditEvent) async throws {
        state.withLock { state in
            var event = event
            event.sequence = Int64(state.next())
            state.audit.append(event)
        }
    }

    public func auditEvents(organizationId: OrganizationID?, filter: AuditFilter, page: PageRequest) async throws
        -> Page<AuditEvent>
    {
        let before = try AuditCursor.decode(page.cursor)
        let matching = state.withLock { $0.audit }.reversed().filter { event in
            event.organizationId == organizationId && (before.map { event.sequence < $0 } ?? true)
                && (filter.actorUserId.map { event.actorUserId == $0 } ?? true)
                && (filter.outcome.map { event.outcome == $0 } ?? true)
                && (filter.actionPrefix.map { event.action.hasPrefix($0) } ?? true)
                && (filter.from.map { event.at >= $0 } ?? true) && (filter.to.map { event.at < $0 } ?? true)
        }
        let items = Array(matching.prefix(page.limit))
        return Page(
            items: items,
            nextCursor: matching.count > page.limit ? items.last.map { AuditCursor.encode($0.sequence) } : nil)
    }
}
