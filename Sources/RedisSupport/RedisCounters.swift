import ClipGenCore
import Coordination
import Logging

/// `SharedCounters` in Redis, so every API replica counts into the same windows: INCRBY and, on
/// a window's first increment, PEXPIRE, in one script so no window can be left without an end.
/// While Redis is down each process counts alone (`fallback`): limits stay, per replica.
public struct RedisCounters: SharedCounters {
    public let client: RedisClient
    public let prefix: String
    let fallback = LocalCounters()

    static let script = """
        local count = redis.call('INCRBY', KEYS[1], ARGV[1])
        if count == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
        return count
        """

    public init(client: RedisClient, prefix: String = "clipgen:counter:") {
        self.client = client
        self.prefix = prefix
    }

    public func increment(_ key: String, by amount: Int64, window: Duration) async throws -> Int64 {
        let milliseconds = max(1, window.milliseconds)
        do {
            let reply = try await client.send([
                "EVAL", Self.script, "1", prefix + key, String(amount), String(milliseconds),
            ])
            guard let count = reply.integer else {
                throw RedisError.protocolViolation("the counter script returned \(reply)")
            }
            return count
        } catch RedisError.unavailable {
            return try await fallback.increment(key, by: amount, window: window)
        }
    }
}
