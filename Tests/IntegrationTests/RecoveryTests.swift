import BlobStorage
import ClipGenCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import MediaEngine
import Persistence
import PersistenceSQLite
import Server
import ServiceLifecycle
import TestSupport
import Testing
import Workers

@Suite(.serialized) struct RecoveryTests {
    @Test func aServerStoppedWithAQueuedJobFinishesItAfterRestart() async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        try await withTemporaryDirectory { dir in
            let data = dir + "/data"
            let jobId = try await ServerHarness.run(ServerHarness.configuration(dataDir: data, workers: false)) {
                client in
                let id = try await client.createJob(
                    #"""
                    {"source":{"uploadId":"\#(try await client.upload(source))"},"clips":[{"start":1,"end":2},\#
                    {"start":4,"end":6}]}
                    """#
                )
                try await Task.sleep(for: .milliseconds(300))
                #expect(try await client.job(id).status == "queued")
                return id
            }
            try await ServerHarness.run(ServerHarness.configuration(dataDir: data)) { client in
                let job = try await client.waitForJob(jobId)
                #expect(job.status == "succeeded")
                #expect(job.clips.count == 2)
            }
        }
    }

    @Test func anExpiredLeaseIsReclaimedAndClipsAreStoredOnce() async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        try await withTemporaryDirectory { dir in
            let data = dir + "/data"
            // First run: no workers; a "worker" that will vanish takes the probe task with a short lease.
            let (jobId, ghostTask) = try await ServerHarness.run(
                ServerHarness.configuration(dataDir: data, workers: false)
            ) { client in
                let id = try await client.createJob(
                    #"""
                    {"source":{"uploadId":"\#(try await client.upload(source))"},"output":{"mode":"keyframe"},\#
                    "clips":[{"start":1,"end":3},{"start":5,"end":7}]}
                    """#
                )
                let store = SQLiteJobStore(path: data + "/clipgen.sqlite")
                let claimed = try #require(
                    try await store.claimTask(worker: "ghost", capabilities: [.cpu], leaseSeconds: 1))
                return (id, claimed.task.id)
            }
            try await ServerHarness.run(ServerHarness.configuration(dataDir: data)) { client in
                let job = try await client.waitForJob(jobId)
                #expect(job.status == "succeeded")
                #expect(job["attempts"] as? Int == 2, "the probe ran a second time after the lease expired")
                #expect(job.clips.map { $0["index"] as? Int } == [0, 1])
            }
            // The ghost comes back and reports: its result is refused.
            let store = SQLiteJobStore(path: data + "/clipgen.sqlite")
            #expect(
                try await store.completeTask(
                    taskId: ghostTask, worker: "ghost", outcome: TaskOutcome(), transitions: JobTransitions())
                    == .discarded)
            let clipFiles = try FileManager.default.contentsOfDirectory(atPath: data + "/blobs/clips/\(jobId)")
            #expect(clipFiles.filter { $0.hasSuffix(".mp4") }.count == 2, "\(clipFiles)")
            #expect(clipFiles.filter { $0.hasSuffix(".jpg") }.count == 2, "one poster per clip: \(clipFiles)")
        }
    }

    @Test func gracefulShutdownStopsFFmpegAndHandsTheTaskBack() async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        try await withTemporaryDirectory { dir in
            var configuration = ServerHarness.configuration(dataDir: dir + "/data", workers: false)
            configuration.workers.shutdownGraceSeconds = 0.3
            let server = ClipGenServer(configuration: configuration)
            let jobId = try await ServerHarness.run(configuration) { client in
                try await client.createJob(
                    #"""
                    {"source":{"uploadId":"\#(try await client.upload(source))"},"clips":[{"start":1,"end":2}],\#
                    "thumbnails":false}
                    """#
                )
            }
            // Renders run a child that would take 60 s; the pool must not wait for it.
            let pidFile = dir + "/render.pid"
            let slowRenderer = ProcessRunner { spec, onLine in
                try await ProcessRunner.live.run(
                    ProcessSpec(
                        executable: "bash", arguments: ["-c", "echo $$ > \(pidFile); exec sleep 60"],
                        timeout: spec.timeout), onLine)
            }
            let livePool = try await server.workerPool(logger: ServerHarness.logger, workerID: "stopping-worker")
            var pipeline = livePool.pipeline
            pipeline.cutter = Cutter(runner: slowRenderer)
            let pool = WorkerPool(
                pipeline: pipeline, workflow: livePool.transitions.workflow, signal: livePool.signal,
                settings: livePool.settings, logger: ServerHarness.logger)
            let group = ServiceGroup(configuration: .init(services: [pool], logger: ServerHarness.logger))
            let started = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                #expect(try await eventually { FileManager.default.fileExists(atPath: pidFile) })
                try await Task.sleep(for: .milliseconds(200))
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            #expect(
                ContinuousClock.now - started < .seconds(120), "stopped, not hung (a hang guard, not a speed bound)")
            let pid = try #require(
                Int32(String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
            #expect(kill(pid, 0) != 0, "the render child is gone")
            let store = server.store
            let admin = try #require(try await store.user(email: "admin@localhost"))
            let job = try #require(
                try await store.job(id: JobID(rawValue: jobId), organizationId: admin.organizationId))
            #expect(job.status == .running, "not failed: the task waits in the queue")
            let again = try #require(try await store.claimTask(worker: "next", capabilities: [.cpu], leaseSeconds: 30))
            #expect(again.task.kind == .render && again.task.attempts == 1, "the interrupted attempt was not counted")
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: dir + "/data/tmp/stopping-worker").isEmpty,
                "no scratch files left")
        }
    }

    @Test func cancellingARunningJobKillsItsFFmpeg() async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        try await withTemporaryDirectory { dir in
            let pidFile = dir + "/render.pid"
            let configuration = ServerHarness.configuration(dataDir: dir + "/data", workers: false)
            let server = ClipGenServer(configuration: configuration)
            let livePool = try await server.workerPool(logger: ServerHarness.logger)
            var pipeline = livePool.pipeline
            pipeline.cutter = Cutter(
                runner: ProcessRunner { spec, onLine in
                    try await ProcessRunner.live.run(
                        ProcessSpec(
                            executable: "bash", arguments: ["-c", "echo $$ > \(pidFile); exec sleep 60"],
                            timeout: spec.timeout), onLine)
                })
            let pool = WorkerPool(
                pipeline: pipeline, workflow: livePool.transitions.workflow, signal: livePool.signal,
                settings: livePool.settings, logger: ServerHarness.logger)
            try await ServerHarness.run(configuration) { client in
                let group = ServiceGroup(configuration: .init(services: [pool], logger: ServerHarness.logger))
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    tasks.addTask { try await group.run() }
                    let id = try await client.createJob(
                        #"{"source":{"uploadId":"\#(try await client.upload(source))"},"clips":[{"start":1,"end":2}]}"#)
                    #expect(try await eventually { FileManager.default.fileExists(atPath: pidFile) })
                    try await Task.sleep(for: .milliseconds(200))
                    let pid = try #require(
                        Int32(
                            String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(
                                in: .whitespacesAndNewlines)))
                    _ = try await client.raw.execute(
                        uri: "/v1/jobs/\(id)/cancel", method: .post, headers: client.headers
                    ) { _ in }
                    // The heartbeat (every 0.5 s) notices the cancellation and stops the child.
                    #expect(try await eventually { kill(pid, 0) != 0 })
                    #expect(try await client.job(id).status == "cancelled")
                    await group.triggerGracefulShutdown()
                    try await tasks.waitForAll()
                }
            }
        }
    }
}
