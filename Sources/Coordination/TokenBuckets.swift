/// Token buckets shared by every process on the same backend: what the API's rate limits take
/// from. In one process `LocalTokenBuckets`; across API replicas Redis.
public protocol TokenBuckets: Sendable {
    /// Takes one token from `key`'s bucket, which holds `capacity` tokens and gains one every
    /// `interval`. The answer says whether a token was there and how the bucket stands now.
    func take(_ key: String, capacity: Int, interval: Duration) async throws -> BucketDecision
}

/// One `take`: allowed or not, and what the `RateLimit-*` and `Retry-After` headers say.
public struct BucketDecision: Sendable, Equatable {
    public var allowed: Bool
    /// Tokens left after this request.
    public var remaining: Int
    /// When refused: until a token is back.
    public var retryAfter: Duration
    /// Until the bucket is full again.
    public var resetAfter: Duration

    public init(allowed: Bool, remaining: Int, retryAfter: Duration, resetAfter: Duration) {
        self.allowed = allowed
        self.remaining = remaining
        self.retryAfter = retryAfter
        self.resetAfter = resetAfter
    }

    /// The generic cell rate algorithm, the bucket kept as one number: the time at which it
    /// would be full again (`fullAt`, microseconds). Shared by the local and Redis buckets (whose
    /// Lua script does the same arithmetic).
    public static func gcra(fullAt stored: Int64?, now: Int64, capacity: Int, interval: Int64) -> (
        decision: BucketDecision, fullAt: Int64?
    ) {
        let tolerance = interval * Int64(max(1, capacity))
        let start = max(stored ?? now, now)
        let next = start + interval
        if next - now > tolerance {
            let wait = next - tolerance - now
            return (
                BucketDecision(
                    allowed: false, remaining: 0, retryAfter: .microseconds(wait),
                    resetAfter: .microseconds(start - now)), nil
            )
        }
        let remaining = Int((tolerance - (next - now)) / interval)
        return (
            BucketDecision(
                allowed: true, remaining: remaining, retryAfter: .zero, resetAfter: .microseconds(next - now)), next
        )
    }
}
