import ClipGenCore
import Coordination

/// `TokenBuckets` in Redis, so every API replica takes from the same buckets: the GCRA of
/// `BucketDecision.gcra` in one script, on Redis's clock (replicas' clocks may differ), the
/// bucket expiring once it is full again. While Redis is down each process limits alone
/// (`fallback`): limits stay, per replica.
public struct RedisTokenBuckets: TokenBuckets {
    public let client: RedisClient
    public let prefix: String
    let fallback = LocalTokenBuckets()

    static let script = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local interval = tonumber(ARGV[1])
        local tolerance = interval * tonumber(ARGV[2])
        local start = tonumber(redis.call('GET', KEYS[1]) or now)
        if start < now then start = now end
        local nextFull = start + interval
        if nextFull - now > tolerance then
            return {0, 0, nextFull - tolerance - now, start - now}
        end
        redis.call('SET', KEYS[1], string.format('%d', nextFull), 'PX', math.ceil((nextFull - now) / 1000) + 1)
        return {1, math.floor((tolerance - (nextFull - now)) / interval), 0, nextFull - now}
        """

    public init(client: RedisClient, prefix: String = "clipgen:bucket:") {
        self.client = client
        self.prefix = prefix
    }

    public func take(_ key: String, capacity: Int, interval: Duration) async throws -> BucketDecision {
        do {
            let reply = try await client.send([
                "EVAL", Self.script, "1", prefix + key, String(max(1, interval.microseconds)), String(max(1, capacity)),
            ])
            guard case .array(let items?) = reply, case let values = items.compactMap(\.integer), values.count == 4
            else {
                throw RedisError.protocolViolation("the bucket script returned \(reply)")
            }
            return BucketDecision(
                allowed: values[0] == 1, remaining: Int(values[1]), retryAfter: .microseconds(values[2]),
                resetAfter: .microseconds(values[3]))
        } catch RedisError.unavailable {
            return try await fallback.take(key, capacity: capacity, interval: interval)
        }
    }
}
