import ClipGenCore
import Foundation
import Persistence
import Synchronization

extension MemoryJobStore {
    public func webhookSecret(organizationId: OrganizationID) async throws -> String? {
        state.withLock { $0.webhookSecrets[organizationId] }
    }

    @discardableResult
    public func setWebhookSecret(_ secret: String, organizationId: OrganizationID, onlyIfUnset: Bool) async throws
        -> String
    {
        state.withLock { state in
            guard state.organizations[organizationId] != nil else { return secret }
            if !onlyIfUnset || state.webhookSecrets[organizationId] == nil {
                state.webhookSecrets[organizationId] = secret
            }
            return state.webhookSecrets[organizationId] ?? secret
        }
    }

    public func claimWebhookDelivery(lease: TimeInterval) async throws -> WebhookDelivery? {
        let now = self.now
        return state.withLock { state in
            let due = state.deliveries.indices.filter {
                state.deliveries[$0].delivery.state == .pending && state.deliveries[$0].nextAttemptAt <= now
            }
            guard let index = due.min(by: { state.deliveries[$0].nextAttemptAt < state.deliveries[$1].nextAttemptAt })
            else { return nil }
            state.deliveries[index].nextAttemptAt = now + lease
            return state.deliveries[index].delivery
        }
    }

    public func recordWebhookAttempt(
        deliveryId: String, _ attempt: WebhookAttempt, state newState: WebhookDelivery.State, retryAt: Date?
    ) async throws {
        state.withLock { state in
            guard let index = state.deliveries.firstIndex(where: { $0.delivery.id == deliveryId }) else { return }
            if !state.deliveries[index].delivery.attempts.contains(where: { $0.number == attempt.number }) {
                state.deliveries[index].delivery.attempts.append(attempt)
            }
            state.deliveries[index].delivery.state = newState
            if let retryAt { state.deliveries[index].nextAttemptAt = retryAt.timeIntervalSince1970 }
        }
    }

    public func webhookDeliveries(jobId: JobID, organizationId: OrganizationID) async throws -> [WebhookDelivery] {
        state.withLock { state in
            state.deliveries.map(\.delivery).filter { $0.jobId == jobId && $0.organizationId == organizationId }
        }
    }
}
