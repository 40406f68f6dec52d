import ClipGenCore
import Coordination

/// `SharedCache` in Redis: the value under `<prefix>v:<key>`, its version under `<prefix>n:<key>`.
/// Both the conditional store and the invalidation are scripts, so each is one atomic step.
/// While Redis is down every lookup misses and nothing is stored: the database answers.
public struct RedisSharedCache: SharedCache {
    public let client: RedisClient
    public let prefix: String

    public init(client: RedisClient, prefix: String = "clipgen:cache:") {
        self.client = client
        self.prefix = prefix
    }

    static let storeScript = """
        local current = redis.call('GET', KEYS[2]) or '0'
        if current ~= ARGV[1] then return 0 end
        redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
        return 1
        """

    /// The version outlives any value stored under it, so an old reader's version can never come round again.
    static let invalidateScript = """
        redis.call('DEL', KEYS[1])
        redis.call('INCR', KEYS[2])
        redis.call('PEXPIRE', KEYS[2], 86400000)
        return 1
        """

    public func lookup(_ key: String) async -> SharedCacheLookup {
        guard case .array(let reply?)? = try? await client.send(["MGET", prefix + "v:" + key, prefix + "n:" + key]),
            reply.count == 2
        else {
            return SharedCacheLookup(value: nil, version: "")
        }
        return SharedCacheLookup(value: reply[0].string, version: reply[1].string ?? "0")
    }

    public func store(_ key: String, value: String, ifVersion version: String, lifetime: Duration) async {
        guard !version.isEmpty else { return }
        let milliseconds = max(1, lifetime.milliseconds)
        _ = try? await client.send([
            "EVAL", Self.storeScript, "2", prefix + "v:" + key, prefix + "n:" + key, version,
            value, String(milliseconds),
        ])
    }

    public func invalidate(_ key: String) async {
        _ = try? await client.send(["EVAL", Self.invalidateScript, "2", prefix + "v:" + key, prefix + "n:" + key])
    }
}
