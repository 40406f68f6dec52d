import Synchronization

/// `TokenBuckets` within one process. Buckets that are full again are dropped as the map grows.
public final class LocalTokenBuckets: TokenBuckets {
    private let buckets = Mutex<[String: Int64]>([:])
    private let origin = ContinuousClock.now

    public init() {}

    public func take(_ key: String, capacity: Int, interval: Duration) async throws -> BucketDecision {
        let now = (ContinuousClock.now - origin).microseconds
        let step = max(1, interval.microseconds)
        return buckets.withLock { buckets in
            if buckets.count > 10_000 { buckets = buckets.filter { $0.value > now } }
            let (decision, fullAt) = BucketDecision.gcra(fullAt: buckets[key], now: now, capacity: capacity, interval: step)
            if let fullAt { buckets[key] = fullAt }
            return decision
        }
    }
}
