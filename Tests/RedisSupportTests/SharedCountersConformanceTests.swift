import ClipGenCore
import Coordination
import RedisSupport
import TestSupport
import Testing

/// One suite for every `SharedCounters`.
struct CountersBackend: Sendable, CustomTestStringConvertible {
    var name: String
    /// Two handles on the same counters (two replicas' view), or two independent ones in-process.
    var make: @Sendable () throws -> (any SharedCounters, any SharedCounters)
    var shared: Bool
    var testDescription: String { name }

    static let all: [CountersBackend] =
        [
            CountersBackend(name: "local", make: { (LocalCounters(), LocalCounters()) }, shared: false)
        ]
        + (TestServers.redisURL == nil
            ? []
            : [
                CountersBackend(
                    name: "Redis",
                    make: {
                        (
                            RedisCounters(client: RedisClient(configuration: try redisConfiguration())),
                            RedisCounters(client: RedisClient(configuration: try redisConfiguration()))
                        )
                    }, shared: true)
            ])
}

@Suite struct SharedCountersConformanceTests {
    @Test(arguments: CountersBackend.all)
    func countsPerKeyWithinAWindowThenStartsAgain(backend: CountersBackend) async throws {
        let (counters, _) = try backend.make()
        let key = TestServers.uniqueName()
        // A window opens at its key's first count: a minute holds these calls however busy the machine.
        let window = Duration.seconds(60)
        #expect(try await counters.increment(key, by: 1, window: window) == 1)
        #expect(try await counters.increment(key, by: 2, window: window) == 3)
        #expect(try await counters.increment(key, by: 0, window: window) == 3, "adding nothing reads the count")
        #expect(try await counters.increment(key + "-other", by: 1, window: window) == 1)
        // A short window, waited out: a delay only makes the new window more certain.
        let short = key + "-short"
        #expect(try await counters.increment(short, by: 5, window: .seconds(1)) == 5)
        try await Task.sleep(for: .milliseconds(1300))
        #expect(try await counters.increment(short, by: 1, window: .seconds(1)) == 1, "a new window")
    }

    @Test(arguments: CountersBackend.all)
    func concurrentIncrementsAreAllCountedAndReplicasShareTheCount(backend: CountersBackend) async throws {
        let (a, b) = try backend.make()
        let key = TestServers.uniqueName()
        let results = try await withThrowingTaskGroup(of: Int64.self) { group in
            for index in 0..<100 {
                group.addTask { try await (index % 2 == 0 ? a : b).increment(key, by: 1, window: .seconds(30)) }
            }
            return try await group.reduce(into: [Int64]()) { $0.append($1) }
        }
        if backend.shared {
            #expect(results.sorted() == Array(1...100), "one count across both replicas")
        } else {
            #expect(results.sorted() == (Array(1...50) + Array(1...50)).sorted(), "each process counts alone")
        }
    }

    @Test func redisCountersFallBackToCountingAloneWhileRedisIsDown() async throws {
        let counters = RedisCounters(client: RedisClient(configuration: RedisConfiguration(host: "127.0.0.1", port: 9)))
        #expect(try await counters.increment("k", by: 1, window: .seconds(5)) == 1)
        #expect(try await counters.increment("k", by: 1, window: .seconds(5)) == 2)
    }
}
