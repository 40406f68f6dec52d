import ClipGenCore
import Foundation
import Hummingbird
import Persistence

/// `GET /v1/audit` (admin): the organisation's audit log, newest first, filtered by `actor`,
/// `outcome`, `action` (a prefix such as `POST` or `DELETE /v1/jobs`), `from` and `to` (ISO 8601),
/// paged with `limit` and `cursor`.
struct AuditRoutes<Store: AuditLog> {
    let store: Store

    struct Entry: Encodable, Sendable {
        var actorUserId: UserID?
        var actorApiKeyId: String?
        var action: String
        var target: String?
        var outcome: String
        var status: Int
        var address: String?
        var requestId: String?
        var at: Date
    }

    func add(to router: some RouterMethods<AppRequestContext>) {
        router.get("audit", use: organizationLog)
    }

    /// `GET /v1/audit/service` (operator token): the entries tied to no organisation, such as
    /// refusals of clients without an account, which no organisation's admin can read.
    func addOperatorRoutes(to router: some RouterMethods<AppRequestContext>, operatorToken: OperatorToken) {
        router.get("audit/service") { request, _ -> ListResponse<Entry> in
            try operatorToken.require(request, for: "the service-wide audit log")
            return try await list(organizationId: nil, request)
        }
    }

    @Sendable func organizationLog(_ request: Request, context: AppRequestContext) async throws -> ListResponse<Entry> {
        let principal = try context.require(.manage)
        return try await list(organizationId: principal.organizationId, request)
    }

    private func list(organizationId: OrganizationID?, _ request: Request) async throws -> ListResponse<Entry> {
        let query = request.uri.queryParameters
        var filter = AuditFilter()
        if let actor = query["actor"] {
            guard let id = UserID(String(actor)) else {
                throw Problem(status: .badRequest, detail: "actor must be a user id")
            }
            filter.actorUserId = id
        }
        filter.outcome = query["outcome"].map(String.init)
        filter.actionPrefix = query["action"].map(String.init)
        filter.from = try request.isoDate("from")
        filter.to = try request.isoDate("to")
        let page = try await store.auditEvents(
            organizationId: organizationId, filter: filter, page: request.pageRequest())
        return ListResponse(
            items: page.items.map {
                Entry(
                    actorUserId: $0.actorUserId, actorApiKeyId: $0.actorAPIKeyId, action: $0.action, target: $0.target,
                    outcome: $0.outcome,
                    status: $0.status, address: $0.address, requestId: $0.requestId, at: $0.at)
            }, nextCursor: page.nextCursor)
    }
}
