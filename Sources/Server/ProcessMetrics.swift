import API
import CoreMetrics
import Prometheus
import Workers

/// One Prometheus registry per process: what `/metrics` shows, on the API's port or a worker's
/// `--metrics-port`. `main` bootstraps swift-metrics with `factory` once, so libraries count
/// into the same registry; tests make one per server instead.
public struct ProcessMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    public let factory: PrometheusMetricsFactory

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Tasks take seconds to an hour; the default buckets stop at ten seconds.
        factory.durationHistogramBuckets["processing_seconds"] = [1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600].map {
            .seconds($0)
        }
        self.factory = factory
    }

    public var endpoint: MetricsEndpoint {
        let registry = self.registry
        return MetricsEndpoint(factory: factory) { registry.emitToString() }
    }

    public var workers: WorkerMetrics { WorkerMetrics(factory: factory) }
}
