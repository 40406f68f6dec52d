import ClipGenCore
import Delivery
import Foundation
import Hummingbird
import Logging
import Persistence

/// `GET /v1/webhook-secret` (made on first use) and `POST /v1/webhook-secret` (a new one; the old
/// stops verifying at once), for admins; `GET /v1/jobs/{id}/deliveries` with every attempt.
struct WebhookRoutes<Store: JobRepository & WebhookOutbox> {
    let store: Store

    struct SecretResponse: ResponseEncodable {
        var secret: String
    }

    struct DeliveryResponse: Encodable {
        var id: String
        var url: String
        var state: WebhookDelivery.State
        var createdAt: Date
        var attempts: [WebhookAttempt]
        var event: EventMessage
    }

    func add(to router: some RouterMethods<AppRequestContext>) {
        router.get("webhook-secret", use: secret)
        router.post("webhook-secret", use: rotateSecret)
        router.get("jobs/{id}/deliveries", use: deliveries)
    }

    @Sendable func secret(_ request: Request, context: AppRequestContext) async throws -> SecretResponse {
        let principal = try context.require(.manage)
        return SecretResponse(secret: try await WebhookSecrets.secret(for: principal.organizationId, in: store))
    }

    @Sendable func rotateSecret(_ request: Request, context: AppRequestContext) async throws -> SecretResponse {
        let principal = try context.require(.manage)
        let secret = try await WebhookSecrets.rotate(principal.organizationId, in: store)
        context.logger.notice("webhook secret rotated")
        return SecretResponse(secret: secret)
    }

    @Sendable func deliveries(
        _ request: Request, context: AppRequestContext
    ) async throws -> ListResponse<DeliveryResponse> {
        let principal = try context.require(.read)
        guard let id = context.parameters.get("id", as: JobID.self),
            try await store.jobStatus(id: id, organizationId: principal.organizationId) != nil
        else { throw Problem.notFound("job") }
        let deliveries = try await store.webhookDeliveries(jobId: id, organizationId: principal.organizationId)
        return ListResponse(
            items: deliveries.map {
                DeliveryResponse(
                    id: $0.id, url: $0.url, state: $0.state, createdAt: $0.createdAt, attempts: $0.attempts,
                    event: EventMessage($0.event))
            }, nextCursor: nil)
    }
}
