import ClipGenCore
import Foundation
import Hummingbird
import Persistence

/// `GET /v1/quotas` (any member): the organisation's limits and what it uses. `PUT
/// /v1/organizations/{id}/quotas` (operator token): set its own limits; null fields take the
/// service's defaults.
struct QuotaRoutes<Store: QuotaLedger> {
    let store: Store
    let policy: QuotaPolicy
    let operatorToken: OperatorToken

    struct QuotaResponse: ResponseEncodable {
        var limits: QuotaPolicy.Limits
        var usage: OrganizationUsage
    }

    struct OwnQuotas: ResponseEncodable {
        var organizationId: OrganizationID
        var quotas: OrganizationQuotas
    }

    func addMemberRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("quotas", use: show)
    }

    /// Before the user authentication middleware is added to the group: these take the operator token.
    func addOperatorRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.put("organizations/{id}/quotas", use: set)
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> QuotaResponse {
        let principal = try context.require(.read)
        return QuotaResponse(
            limits: try await policy.limits(for: principal.organizationId, in: store),
            usage: try await store.usage(organizationId: principal.organizationId))
    }

    @Sendable func set(_ request: Request, context: AppRequestContext) async throws -> OwnQuotas {
        try operatorToken.require(request, for: "setting quotas")
        let quotas = try await request.decodeJSON(as: OrganizationQuotas.self, context: context)
        var errors: [FieldError] = []
        if let jobs = quotas.concurrentJobs, jobs < 1 {
            errors.append(.init(field: "concurrentJobs", message: "must be at least 1, or null"))
        }
        if let bytes = quotas.storedBytes, bytes < 0 {
            errors.append(.init(field: "storedBytes", message: "must not be negative"))
        }
        if let bytes = quotas.uploadBytes, bytes < 1 {
            errors.append(.init(field: "uploadBytes", message: "must be at least 1, or null"))
        }
        guard errors.isEmpty else { throw Problem.invalid(errors) }
        guard let id = context.parameters.get("id", as: OrganizationID.self),
            try await store.setQuotas(quotas, organizationId: id)
        else {
            throw Problem.notFound("organization")
        }
        return OwnQuotas(organizationId: id, quotas: quotas)
    }
}
