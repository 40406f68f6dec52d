import BlobStorage
import ClipGenCore
import Coordination
import Foundation
import HummingbirdTesting
import PersistencePostgres
import RedisSupport
import Server
import Synchronization
import TestSupport
import Testing

/// Two API replicas on one PostgreSQL and one Redis: a user hammering both at ten times the
/// allowed rate gets what one bucket allows, not one bucket per replica.
@Suite(.serialized, .enabled(if: (TestServers.postgresURL != nil && TestServers.redisURL != nil) || TestServers.isCI))
struct RateLimitAcrossReplicasTests {
    @Test func theLimitHoldsAcrossReplicasSharingRedis() async throws {
        let databaseURL = try await TestServers.freshPostgresDatabase()
        let redis = try RedisConfiguration(url: try #require(TestServers.redisURL))
        let prefix = "test:" + TestServers.uniqueName() + ":"
        try await withTemporaryDirectory { dir in
            func replica() throws -> ClipGenServer<PostgresJobStore, LocalBlobStore> {
                var configuration = ServerHarness.configuration(dataDir: dir + "/data", workers: false)
                configuration.databaseURL = databaseURL
                configuration.api.rateLimits.perMinute = 120 // 2 a second, bursts of 20
                configuration.api.rateLimits.perAddressPerMinute = 0
                let store = PostgresJobStore(
                    configuration: try PostgresJobStore.configuration(url: databaseURL), clock: .system,
                    logger: ServerHarness.logger)
                let client = RedisClient(configuration: redis)
                return ClipGenServer(
                    configuration: configuration, store: store, blobs: LocalBlobStore(root: dir + "/data/blobs"),
                    shared: SharedBackends(buckets: RedisTokenBuckets(client: client, prefix: prefix)),
                    backendServices: [client])
            }
            let a = try replica()
            let b = try replica()
            try await a.application(logger: ServerHarness.logger).test(.live) { rawA in
                try await b.application(logger: ServerHarness.logger).test(.live) { rawB in
                    let token = try await ServerHarness.Client.signIn(rawA).token
                    let started = ContinuousClock.now
                    // Each replica's client at 10 a second: 20 a second in all, ten times the rate.
                    let statuses = try await withThrowingTaskGroup(of: [Int].self) { group in
                        for raw in [rawA, rawB] {
                            group.addTask {
                                var seen: [Int] = []
                                for _ in 0..<60 {
                                    seen.append(
                                        try await raw.execute(
                                            uri: "/v1/me", method: .get, headers: [.authorization: "Bearer \(token)"]
                                        ) {
                                            Int($0.status.code)
                                        })
                                    try await Task.sleep(for: .milliseconds(100))
                                }
                                return seen
                            }
                        }
                        return try await group.reduce(into: [Int]()) { $0 += $1 }
                    }
                    let elapsed = Double((ContinuousClock.now - started).components.seconds) + 1
                    let allowed = statuses.filter { $0 == 200 }.count
                    #expect(Set(statuses).isSubset(of: [200, 429]), "\(Set(statuses))")
                    // One bucket: the burst of 20 and 2 a second after it. Two buckets would allow twice that.
                    #expect(allowed >= 20, "\(allowed) allowed")
                    #expect(Double(allowed) <= 20 + 2 * elapsed + 2, "\(allowed) allowed in \(elapsed) s")
                    #expect(statuses.count > allowed, "some of the flood is refused")
                }
            }
        }
    }
}
