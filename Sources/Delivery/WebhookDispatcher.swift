import ClipGenCore
import CoreMetrics
import Crypto
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Outbound
import Persistence
import ServiceLifecycle

/// How webhook deliveries are tried and retried.
public struct WebhookDispatcherSettings: Sendable {
    /// Tries and the backoff between them: 5 s, doubled per attempt up to an hour, 10 tries
    /// (about 40 minutes of retries at the defaults).
    public var retry = RetryPolicy(maxAttempts: 10, baseSeconds: 5, maxSeconds: 3600)
    /// How long a receiver has to answer; default 10 s.
    public var timeout: Duration = .seconds(10)
    /// How often an empty queue is read again; default 1 s.
    public var pollInterval: Duration = .seconds(1)
    public init() {}

    public static let keys = [
        ConfigurationKey("webhookRetryBaseSeconds", "first webhook retry delay, doubled per attempt up to an hour (5)"),
        ConfigurationKey("webhookMaxAttempts", "webhook tries before a delivery is given up (10)"),
    ]

    public init(reading values: some ConfigurationValues) throws {
        self.init()
        retry.baseSeconds = try values.double("webhookRetryBaseSeconds", in: 0.01...3600) ?? retry.baseSeconds
        retry.maxAttempts = try values.int("webhookMaxAttempts", in: 1...100) ?? retry.maxAttempts
    }
}

/// Sends the webhook deliveries the store queued with each terminal job status (the event as
/// the WebSocket shows it) and with each batch's end (the batch as its route shows it), signed `sha256=HMAC(secret, "<timestamp>.<body>")` with the
/// organisation's secret, retried with exponential backoff; every attempt is recorded. The
/// queue is in the database, so deliveries survive restarts and any replica may send them.
public struct WebhookDispatcher<Store: WebhookOutbox>: Service {
    public typealias Settings = WebhookDispatcherSettings

    let store: Store
    let client: PinnedHTTPClient
    let settings: Settings
    let clock: WallClock
    let logger: Logger
    let metrics: DeliveryMetrics

    public init(
        store: Store, policy: NetworkPolicy, settings: Settings = Settings(), clock: WallClock = .system,
        logger: Logger,
        metrics: DeliveryMetrics = DeliveryMetrics(factory: NOOPMetricsHandler.instance)
    ) {
        self.metrics = metrics
        self.store = store
        self.client = PinnedHTTPClient(policy: policy)
        self.settings = settings
        self.clock = clock
        self.logger = logger
    }

    /// Graceful shutdown stops the claiming, not a send under way: that one finishes (its timeout
    /// bounds it) and its attempt is recorded. Cancelled instead, it would leave the delivery
    /// claimed, and untried by any replica or restarted server until the claim's lease ran out.
    public func run() async throws {
        let pollInterval = settings.pollInterval
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                if let delivery = try await store.claimWebhookDelivery(lease: 60 + settings.timeout.seconds) {
                    try await send(delivery)
                    continue
                }
            } catch {
                logger.error("webhook dispatch failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pollInterval) }
        }
    }

    func send(_ delivery: WebhookDelivery) async throws {
        let secret = try await WebhookSecrets.secret(for: delivery.organizationId, in: store)
        let body =
            try delivery.batch.map { Array(try JSONEncoder.api.encode(BatchMessage($0))) }
            ?? Self.body(for: delivery.event)
        let timestamp = String(Int(clock.now().timeIntervalSince1970))
        let number = (delivery.attempts.map(\.number).max() ?? 0) + 1
        let headers = [
            ("Content-Type", "application/json"), ("X-ClipGen-Timestamp", timestamp),
            ("X-ClipGen-Signature", "sha256=" + Self.signature(secret: secret, timestamp: timestamp, body: body)),
            ("X-ClipGen-Delivery", delivery.id), ("X-ClipGen-Attempt", String(number)),
        ]
        let started = ContinuousClock.now
        var status: Int?
        var failure: String?
        var permanent = false
        do {
            status = try await client.send(
                .POST, to: delivery.url, headers: headers, body: ByteBuffer(bytes: body), timeout: settings.timeout)
        } catch let error as OutboundError {
            failure = error.description
            // An address that is not allowed will not become allowed by waiting.
            if case .forbiddenAddress = error { permanent = true }
            if case .invalidURL = error { permanent = true }
        } catch {
            failure = "the request failed"
        }
        let took = ContinuousClock.now - started
        let attempt = WebhookAttempt(
            number: number, at: clock.now(), statusCode: status, error: failure, durationSeconds: took.seconds)
        let delivered = status.map { (200..<300).contains($0) } ?? false
        let delay = settings.retry.delay(
            afterAttempt: number, maxAttempts: settings.retry.maxAttempts, retryable: !permanent)
        let state: WebhookDelivery.State = delivered ? .delivered : (delay == nil ? .failed : .pending)
        let retryAt = state == .pending ? delay.map { clock.now().addingTimeInterval($0) } : nil
        try await store.recordWebhookAttempt(deliveryId: delivery.id, attempt, state: state, retryAt: retryAt)
        metrics.webhookAttempt(state == .pending ? "retrying" : state.rawValue)
        logger.info(
            "webhook attempt",
            metadata: [
                "job.id": "\(delivery.jobId)", "webhook.delivery": "\(delivery.id)", "webhook.attempt": "\(number)",
                "webhook.status": "\(status.map(String.init) ?? "none")", "webhook.state": "\(state.rawValue)",
            ])
    }

    /// The message as the WebSocket shows it.
    static func body(for event: JobEvent) throws -> [UInt8] {
        Array(try JSONEncoder.api.encode(EventMessage(event)))
    }

    /// Hex HMAC-SHA256 of `"<timestamp>.<body>"`: what receivers recompute to trust a delivery.
    public static func signature(secret: String, timestamp: String, body: [UInt8]) -> String {
        var message = Array(timestamp.utf8)
        message.append(UInt8(ascii: "."))
        message += body
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(secret.utf8)))
        return Hex.string(mac)
    }
}

/// Organisations' webhook signing secrets: made on first use, replaced on rotation.
public enum WebhookSecrets {
    /// The organisation's secret; the first caller's candidate wins when there was none, so
    /// replicas racing to make one all sign with the same.
    public static func secret(for organization: OrganizationID, in store: some WebhookOutbox) async throws -> String {
        if let existing = try await store.webhookSecret(organizationId: organization) { return existing }
        return try await store.setWebhookSecret(make(), organizationId: organization, onlyIfUnset: true)
    }

    public static func rotate(_ organization: OrganizationID, in store: some WebhookOutbox) async throws -> String {
        try await store.setWebhookSecret(make(), organizationId: organization, onlyIfUnset: false)
    }

    static func make() -> String {
        "whsec_" + Secrets.hex(bytes: 32)
    }
}
