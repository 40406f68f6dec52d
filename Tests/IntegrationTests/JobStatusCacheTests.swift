import ClipGenCore
import Foundation
import HummingbirdTesting
import Persistence
import PersistenceSQLite
import RedisSupport
import Server
import TestSupport
import Testing

/// `GET /v1/jobs/{id}` from the cache, never staler than the job's last relayed event: the API's
/// own writes invalidate at once, a worker's through its events; with Redis the cached answer
/// is shared by replicas and invalidated there too.
@Suite(.serialized) struct JobStatusCacheTests {
    static let redis: [String?] = [nil] + (TestServers.redisURL.map { [$0] } ?? [])

    @Test(arguments: redis)
    func aPolledJobFollowsEveryChangeWhateverMadeIt(redisURL: String?) async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        try await withTemporaryDirectory { dir in
            var configuration = ServerHarness.configuration(dataDir: dir + "/data", workers: false)
            configuration.redis = try redisURL.map(RedisConfiguration.init(url:))
            let application = try await buildApplication(
                configuration: configuration, metrics: ProcessMetrics(), logger: ServerHarness.logger)
            try await application.test(.live) { raw in
                let client = try await ServerHarness.Client.signIn(raw)
                let upload = try await client.upload(source)
                let id = try await client.createJob(
                    #"{"source":{"uploadId":"\#(upload)"},"output":{"mode":"keyframe"},"clips":[{"start":1,"end":2}]}"#)
                #expect(try await client.job(id).status == "queued")
                #expect(try await client.job(id).status == "queued", "answered again (from the cache)")
                if let redisURL {
                    // The job's creation event, relayed whenever a loaded machine gets to it, invalidates
                    // the entry once more: read and look again until the answer stays shared.
                    let redis = RedisClient(configuration: try RedisConfiguration(url: redisURL))
                    #expect(
                        try await eventually(every: .milliseconds(50)) {
                            _ = try await client.job(id)
                            let cached = try await redis.send(["GET", "clipgen:cache:v:job:" + id]).string
                            return cached?.contains("\"queued\"") == true
                        }, "the answer is shared through Redis")
                }
                // A worker elsewhere claims the job's task: its event invalidates the cached answer.
                let store = SQLiteJobStore(path: dir + "/data/clipgen.sqlite")
                try store.prepare()
                let claimed = try await store.claimTask(worker: "elsewhere", capabilities: [.cpu], leaseSeconds: 30)
                #expect(claimed != nil)
                #expect(try await eventually(every: .milliseconds(50)) { try await client.job(id).status == "running" })
                // The API's own write is seen by the very next read.
                let cancel = try await raw.execute(uri: "/v1/jobs/\(id)/cancel", method: .post, headers: client.headers)
                { $0.status }
                #expect(cancel == .ok)
                #expect(try await client.job(id).status == "cancelled")
            }
        }
    }
}
