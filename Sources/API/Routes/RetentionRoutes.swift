import ClipGenCore
import Foundation
import Hummingbird
import Logging
import Persistence

/// `GET /v1/retention` (any member): how long the organisation's data is kept, its own choice
/// beside the service's defaults and bound. `PUT /v1/retention` (admins): its own days per
/// category, null taking the default; the lifecycle sweep applies them on its next pass.
struct RetentionRoutes<Store: DataLifecycle> {
    let store: Store
    let policy: RetentionPolicy

    struct RetentionResponse: ResponseEncodable {
        /// What the organisation chose; null fields take the default.
        var own: RetentionSettings
        /// What applies: days per category, 0 for good.
        var effective: RetentionSettings
        var defaults: RetentionSettings
        /// The longest the service lets anything be kept, in days; null: no bound.
        var maxDays: Int?
    }

    func add(to router: some RouterMethods<AppRequestContext>) {
        router.get("retention", use: show)
        router.put("retention", use: save)
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> RetentionResponse {
        let principal = try context.require(.read)
        guard let own = try await store.retention(organizationId: principal.organizationId) else {
            throw Problem.notFound("organization")
        }
        return response(own)
    }

    @Sendable func save(_ request: Request, context: AppRequestContext) async throws -> RetentionResponse {
        let principal = try context.require(.manage)
        let own = try await request.decodeJSON(as: RetentionSettings.self, context: context)
        let problems = policy.problems(with: own)
        guard problems.isEmpty else { throw Problem.invalid(problems) }
        guard try await store.setRetention(own, organizationId: principal.organizationId) else {
            throw Problem.notFound("organization")
        }
        context.logger.notice("retention changed")
        return response(own)
    }

    private func response(_ own: RetentionSettings) -> RetentionResponse {
        RetentionResponse(
            own: own, effective: policy.effective(own), defaults: policy.effective(RetentionSettings()),
            maxDays: policy.maxDays)
    }
}
