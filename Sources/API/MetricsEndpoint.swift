import CoreMetrics

/// The process's metrics as the API sees them: a factory to count with and the text `/metrics`
/// answers. The process sets up the backend (Prometheus) once, in `main`.
public struct MetricsEndpoint: Sendable {
    public var factory: any MetricsFactory
    public var render: @Sendable () -> String

    public init(factory: any MetricsFactory, render: @escaping @Sendable () -> String) {
        self.factory = factory
        self.render = render
    }

    /// The API's own counters, into `factory`.
    public var api: APIMetrics { APIMetrics(factory: factory) }

    /// Counts nothing and shows nothing.
    public static let disabled = MetricsEndpoint(factory: NOOPMetricsHandler.instance) { "" }
}
