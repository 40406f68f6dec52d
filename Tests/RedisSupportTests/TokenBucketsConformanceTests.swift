import ClipGenCore
import Coordination
import RedisSupport
import TestSupport
import Testing

/// One suite for every `TokenBuckets`.
struct BucketsBackend: Sendable, CustomTestStringConvertible {
    var name: String
    /// Two handles on the same buckets (two replicas' view), or two independent ones in-process.
    var make: @Sendable () throws -> (any TokenBuckets, any TokenBuckets)
    var shared: Bool
    var testDescription: String { name }

    static let all: [BucketsBackend] =
        [
            BucketsBackend(name: "local", make: { (LocalTokenBuckets(), LocalTokenBuckets()) }, shared: false)
        ]
        + (TestServers.redisURL == nil
            ? []
            : [
                BucketsBackend(
                    name: "Redis",
                    make: {
                        (
                            RedisTokenBuckets(client: RedisClient(configuration: try redisConfiguration())),
                            RedisTokenBuckets(client: RedisClient(configuration: try redisConfiguration()))
                        )
                    }, shared: true)
            ])
}

@Suite struct TokenBucketsConformanceTests {
    @Test(arguments: BucketsBackend.all)
    func aBucketEmptiesThenRefillsAtItsRate(backend: BucketsBackend) async throws {
        let (buckets, _) = try backend.make()
        let key = TestServers.uniqueName()
        // Slow refill (one token a minute), so a loaded machine cannot refill it mid-test.
        let interval = Duration.seconds(60)
        let started = ContinuousClock.now
        var remaining: [Int] = []
        for _ in 0..<3 {
            let decision = try await buckets.take(key, capacity: 3, interval: interval)
            #expect(decision.allowed && decision.retryAfter == .zero)
            remaining.append(decision.remaining)
        }
        #expect(remaining == [2, 1, 0])
        let refused = try await buckets.take(key, capacity: 3, interval: interval)
        // The bucket's time runs between the first take and this one, at most `elapsed` here
        // however slow the machine: the figures are bounded by it, not by a guess.
        let elapsed = ContinuousClock.now - started
        #expect(!refused.allowed && refused.remaining == 0)
        #expect(
            refused.retryAfter >= interval - elapsed && refused.retryAfter <= interval,
            "\(refused.retryAfter) after \(elapsed)")
        #expect(
            refused.resetAfter >= .seconds(180) - elapsed && refused.resetAfter <= .seconds(180),
            "\(refused.resetAfter) after \(elapsed)")
        #expect(try await buckets.take(key + "-other", capacity: 3, interval: interval).allowed, "buckets are per key")
    }

    @Test(arguments: BucketsBackend.all)
    func aTokenComesBackAfterOneInterval(backend: BucketsBackend) async throws {
        let (buckets, _) = try backend.make()
        let key = TestServers.uniqueName()
        let interval = Duration.milliseconds(500)
        #expect(try await buckets.take(key, capacity: 1, interval: interval).allowed)
        // Waiting what a refusal says is enough; a loaded machine may need a second look (a
        // Redis call that times out is answered by the in-process fallback, with its own bucket).
        var allowed = false
        for _ in 0..<3 where !allowed {
            let decision = try await buckets.take(key, capacity: 1, interval: interval)
            allowed = decision.allowed
            if !allowed {
                #expect(decision.retryAfter <= interval)
                try await Task.sleep(for: decision.retryAfter + .milliseconds(50))
            }
        }
        #expect(allowed)
    }

    @Test(arguments: BucketsBackend.all)
    func replicasTakeFromTheSameBucket(backend: BucketsBackend) async throws {
        let (a, b) = try backend.make()
        let key = TestServers.uniqueName()
        let allowed = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<40 {
                group.addTask {
                    try await (index % 2 == 0 ? a : b).take(key, capacity: 10, interval: .seconds(60)).allowed
                }
            }
            return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
        }
        #expect(
            allowed == (backend.shared ? 10 : 20),
            backend.shared ? "one bucket across both replicas" : "each process limits alone")
    }

    /// The local buckets on a clock that moves only when told: the figures exactly.
    @Test func localBucketsRefillOnTheirClock() async throws {
        let (clock, time) = WallClock.manual()
        let buckets = LocalTokenBuckets(clock: clock)
        for _ in 0..<3 { #expect(try await buckets.take("k", capacity: 3, interval: .seconds(60)).allowed) }
        let refused = try await buckets.take("k", capacity: 3, interval: .seconds(60))
        #expect(!refused.allowed && refused.retryAfter == .seconds(60) && refused.resetAfter == .seconds(180))
        time.advance(by: 59)
        #expect(try await buckets.take("k", capacity: 3, interval: .seconds(60)).retryAfter == .seconds(1))
        time.advance(by: 1)
        let refilled = try await buckets.take("k", capacity: 3, interval: .seconds(60))
        #expect(refilled.allowed && refilled.remaining == 0)
    }

    @Test func localCountersOpenANewWindowOnTheirClock() async throws {
        let (clock, time) = WallClock.manual()
        let counters = LocalCounters(clock: clock)
        #expect(try await counters.increment("k", by: 5, window: .seconds(60)) == 5)
        time.advance(by: 59)
        #expect(try await counters.increment("k", by: 1, window: .seconds(60)) == 6)
        time.advance(by: 1)
        #expect(try await counters.increment("k", by: 1, window: .seconds(60)) == 1, "a new window")
    }

    @Test func redisBucketsFallBackToLimitingAloneWhileRedisIsDown() async throws {
        let buckets = RedisTokenBuckets(
            client: RedisClient(configuration: RedisConfiguration(host: "127.0.0.1", port: 9)))
        #expect(try await buckets.take("k", capacity: 1, interval: .seconds(60)).allowed)
        #expect(try await buckets.take("k", capacity: 1, interval: .seconds(60)).allowed == false)
    }
}
