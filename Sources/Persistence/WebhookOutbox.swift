import ClipGenCore
import Foundation

/// One webhook to send: a job's terminal event (or a batch's end), queued in the same transaction as the status
/// change (so it survives any crash after it), retried until it is delivered or given up.
public struct WebhookDelivery: Sendable, Equatable {
    public enum State: String, Codable, Sendable {
        case pending, delivered, failed
    }

    public var id: String
    public var organizationId: OrganizationID
    public var jobId: JobID
    public var url: String
    public var event: JobEvent
    /// For a batch's webhook: the batch as it ended (sent instead of `event`, the terminal event
    /// of the job that ended it).
    public var batch: Batch?
    public var state: State
    public var attempts: [WebhookAttempt]
    public var createdAt: Date

    public init(
        id: String, organizationId: OrganizationID, jobId: JobID, url: String, event: JobEvent, batch: Batch? = nil,
        state: State, attempts: [WebhookAttempt], createdAt: Date
    ) {
        self.id = id
        self.organizationId = organizationId
        self.jobId = jobId
        self.url = url
        self.event = event
        self.batch = batch
        self.state = state
        self.attempts = attempts
        self.createdAt = createdAt
    }
}

/// One try: when, what the receiver answered (or why there was no answer), how long it took.
public struct WebhookAttempt: Codable, Sendable, Equatable {
    public var number: Int
    public var at: Date
    public var statusCode: Int?
    public var error: String?
    public var durationSeconds: Double
    public init(number: Int, at: Date, statusCode: Int?, error: String?, durationSeconds: Double) {
        self.number = number
        self.at = at
        self.statusCode = statusCode
        self.error = error
        self.durationSeconds = durationSeconds
    }
}

/// Webhook deliveries and the organisations' signing secrets. Stores queue a delivery whenever
/// they record a terminal status event for a job that has a `webhookUrl`.
public protocol WebhookOutbox: Sendable {
    func webhookSecret(organizationId: OrganizationID) async throws -> String?
    /// Stores `secret` (when `onlyIfUnset`, only if the organisation has none) and returns the
    /// secret now stored.
    @discardableResult
    func setWebhookSecret(_ secret: String, organizationId: OrganizationID, onlyIfUnset: Bool) async throws -> String
    /// The oldest delivery due now, hidden from other claimers for `lease` (a dispatcher that
    /// dies mid-send leaves it to be retried when the lease ends).
    func claimWebhookDelivery(lease: TimeInterval) async throws -> WebhookDelivery?
    /// Records a try and what follows: delivered, failed for good, or due again at `retryAt`.
    func recordWebhookAttempt(
        deliveryId: String, _ attempt: WebhookAttempt, state: WebhookDelivery.State, retryAt: Date?) async throws
    /// The job's deliveries with every attempt, oldest first.
    func webhookDeliveries(jobId: JobID, organizationId: OrganizationID) async throws -> [WebhookDelivery]
}
