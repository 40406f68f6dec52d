import ClipGenCore
import CoreMetrics

/// Latency and errors of calls to one backend (PostgreSQL, Redis, S3):
/// `backend_request_duration_seconds{backend,operation}` and `backend_errors_total{backend,operation}`,
/// counted into the process's metrics system (bootstrapped once, in `main`).
public struct BackendCallMetrics: Sendable {
    public let backend: String

    public init(backend: String) {
        self.backend = backend
    }

    /// Times `body`; a thrown error counts as a failed call.
    public func measure<T>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        let started = ContinuousClock.now
        do {
            let value = try await body()
            record(operation, since: started, failed: false)
            return value
        } catch {
            record(operation, since: started, failed: true)
            throw error
        }
    }

    public func record(_ operation: String, since started: ContinuousClock.Instant, failed: Bool) {
        let dimensions = [("backend", backend), ("operation", operation)]
        Timer(label: "backend_request_duration_seconds", dimensions: dimensions).recordMicroseconds(
            (ContinuousClock.now - started).microseconds)
        if failed { Counter(label: "backend_errors_total", dimensions: dimensions).increment() }
    }
}
