/// Counters in fixed windows, shared by every process that uses the same backend: what a rate
/// limiter counts requests with. In one process `LocalCounters`; across API replicas Redis.
public protocol SharedCounters: Sendable {
    /// Adds `amount` to `key`'s count in its current window and returns the new count. A window
    /// starts with the first increment after the last one ended and lasts `window`.
    func increment(_ key: String, by amount: Int64, window: Duration) async throws -> Int64
}
