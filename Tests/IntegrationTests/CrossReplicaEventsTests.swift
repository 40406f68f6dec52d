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

/// Two API replicas on one PostgreSQL and one Redis: a job created through replica A and rendered
/// by A's worker is followed on replica B, whose subscriber sees its events, in order, with one
/// terminal event, whichever replica's relay took them from the outbox.
@Suite(.serialized, .enabled(if: (TestServers.postgresURL != nil && TestServers.redisURL != nil) || TestServers.isCI))
struct CrossReplicaEventsTests {
    @Test func aJobCreatedThroughOneReplicaIsFollowedOnAnother() async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        let databaseURL = try await TestServers.freshPostgresDatabase()
        let redis = try RedisConfiguration(url: try #require(TestServers.redisURL))
        let channel = "test:" + TestServers.uniqueName()
        try await withTemporaryDirectory { dir in
            func replica(workers: Bool) throws -> ClipGenServer<PostgresJobStore, LocalBlobStore> {
                var configuration = ServerHarness.configuration(dataDir: dir + "/data", workers: workers)
                configuration.databaseURL = databaseURL
                let store = PostgresJobStore(
                    configuration: try PostgresJobStore.configuration(url: databaseURL), clock: .system,
                    logger: ServerHarness.logger)
                let client = RedisClient(configuration: redis)
                let bus = RedisEventBus(client: client, channel: channel)
                return ClipGenServer(
                    configuration: configuration, store: store, blobs: LocalBlobStore(root: dir + "/data/blobs"),
                    shared: SharedBackends(events: bus), backendServices: [client, bus])
            }
            let a = try replica(workers: true)
            let b = try replica(workers: false)
            try await a.application(logger: ServerHarness.logger).test(.live) { rawA in
                try await b.application(logger: ServerHarness.logger).test(.live) { rawB in
                    let clientA = try await ServerHarness.Client.signIn(rawA)
                    let busB = try #require(b.events as? RedisEventBus)
                    await busB.waitUntilSubscribed()
                    let wanted = Mutex<String?>(nil)
                    let onB = await b.events.subscribe { event in
                        wanted.withLock { $0 == nil || $0 == event.jobId.rawValue }
                    }
                    let upload = try await clientA.upload(source)
                    let id = try await clientA.createJob(
                        #"""
                        {"source":{"uploadId":"\#(upload)"},"output":{"mode":"keyframe"},"clips":[{"start":1,\#
                        "end":3}]}
                        """#
                    )
                    wanted.withLock { $0 = id }
                    let events = try #require(
                        try await untilTerminal(onB), "no terminal event on replica B within 10 minutes")
                    #expect(events.first?.status == .queued && events.last?.status == .succeeded)
                    #expect(events.filter(\.isTerminal).count == 1)
                    #expect(events.contains { $0.type == .clip })
                    #expect(events.map(\.sequence) == events.map(\.sequence).sorted())
                    // B answers for the job from the shared database, too.
                    let clientB = try await ServerHarness.Client.signIn(rawB)
                    #expect(try await clientB.job(id).status == "succeeded")
                }
            }
        }
    }
}
