import ClipGenCore
import Foundation
import Synchronization

/// `TokenBuckets` within one process. Buckets that are full again are dropped as the map grows.
/// Time is read from `clock`.
public final class LocalTokenBuckets: TokenBuckets {
    private let buckets = Mutex<[String: Int64]>([:])
    private let clock: WallClock

    public init(clock: WallClock = .system) {
        self.clock = clock
    }

    public func take(_ key: String, capacity: Int, interval: Duration) async throws -> BucketDecision {
        let now = Int64((clock.now().timeIntervalSince1970 * 1_000_000).rounded())
        let step = max(1, interval.microseconds)
        return buckets.withLock { buckets in
            if buckets.count > 10_000 { buckets = buckets.filter { $0.value > now } }
            let (decision, fullAt) = BucketDecision.gcra(
                fullAt: buckets[key], now: now, capacity: capacity, interval: step)
            if let fullAt { buckets[key] = fullAt }
            return decision
        }
    }
}
