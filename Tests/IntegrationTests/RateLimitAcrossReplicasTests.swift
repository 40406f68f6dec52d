import AsyncHTTPClient
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

/// Two API replicas on one PostgreSQL and one Redis: a user hammering both at many times the
/// allowed rate gets what one bucket allows, not one bucket per replica. The rate is low (a
/// fifth of a request a second) so that even on a loaded machine, where one request can take
/// seconds, the clients still ask faster than it refills: the test depends on no pace.
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
                configuration.api.rateLimits.perMinute = 12 // a fifth a second, bursts of 2
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
                    // Each replica's client at up to 3 a second for 18 s or more: 30 times the rate.
                    let statuses = try await withThrowingTaskGroup(of: [Int].self) { group in
                        for raw in [rawA, rawB] {
                            let port = try #require(raw.port)
                            group.addTask {
                                var seen: [Int] = []
                                for _ in 0..<60 {
                                    // Not the test client: its 20 s read timeout is a bound a loaded machine breaks.
                                    var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/me")
                                    request.headers.add(name: "Authorization", value: "Bearer \(token)")
                                    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(600))
                                    _ = try await response.body.collect(upTo: 1 << 20)
                                    seen.append(Int(response.status.code))
                                    try await Task.sleep(for: .milliseconds(300))
                                }
                                return seen
                            }
                        }
                        return try await group.reduce(into: [Int]()) { $0 += $1 }
                    }
                    let elapsed = Double((ContinuousClock.now - started).components.seconds) + 1
                    let allowed = statuses.filter { $0 == 200 }.count
                    #expect(Set(statuses).isSubset(of: [200, 429]), "\(Set(statuses))")
                    // One bucket: the burst of 2 and a fifth a second after it. Two buckets would allow
                    // twice that, 4 + 0.4 a second: above the bound after two seconds (the run lasts 18 or more).
                    #expect(allowed >= 2, "\(allowed) allowed")
                    #expect(Double(allowed) <= 2 + 0.2 * elapsed + 2, "\(allowed) allowed in \(elapsed) s")
                    #expect(statuses.count > allowed, "some of the flood is refused")
                }
            }
        }
    }
}
