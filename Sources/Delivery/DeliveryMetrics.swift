import CoreMetrics

/// What deliveries count, into the process's registry.
public struct DeliveryMetrics: Sendable {
    let factory: any MetricsFactory

    public init(factory: any MetricsFactory) {
        self.factory = factory
    }

    /// `webhook_deliveries_total{outcome}`: each attempt, `delivered`, `retrying` or `failed`.
    func webhookAttempt(_ outcome: String) {
        Counter(label: "webhook_deliveries_total", dimensions: [("outcome", outcome)], factory: factory).increment()
    }
}
