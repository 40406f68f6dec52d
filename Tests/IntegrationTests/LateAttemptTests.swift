import BlobStorage
import ClipGenCore
import Foundation
import Persistence
import Server
import TestSupport
import Testing
import Workers

/// A task taken again after its lease ran out while the first attempt still runs (a loaded
/// machine: the stressed test run lost a re-render this way, both attempts writing one scratch
/// directory and one clip key). Stepped by hand through the real store, pipeline and FFmpeg.
@Suite(.serialized) struct LateAttemptTests {
    @Test func aLateAttemptNeitherSharesFilesWithTheWinnerNorRemovesItsClip() async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        try await withTemporaryDirectory { dir in
            let configuration = ServerHarness.configuration(dataDir: dir + "/data", workers: false)
            let (clock, time) = WallClock.manual(start: Date())
            try await ServerHarness.run(configuration, clock: clock) { client, server in
                let id = try await client.createJob(
                    #"""
                    {"source":{"uploadId":"\#(try await client.upload(source))"},"clips":[{"start":2,"end":6}],\#
                    "output":{"mode":"exact"},"thumbnails":false,"quality":false}
                    """#)
                let store = server.store
                let pool = try await server.workerPool(logger: ServerHarness.logger, workerID: "worker")
                func claim(_ worker: String, lease: Double = 600) async throws -> ClaimedTask {
                    try #require(try await store.claimTask(worker: worker, capabilities: [.cpu], leaseSeconds: lease))
                }
                func complete(_ claimed: ClaimedTask, _ outcome: TaskOutcome, by worker: String) async throws
                    -> CompletionResult
                {
                    try await store.completeTask(
                        taskId: claimed.task.id, worker: worker, outcome: outcome, transitions: pool.transitions)
                }
                let probe = try await claim("worker")
                #expect(probe.task.kind == .probe)
                _ = try await complete(probe, try await pool.pipeline.run(probe) { _, _ in }, by: "worker")

                let first = try await claim("late", lease: 60)
                #expect(first.task.kind == .render && first.task.attempts == 1)
                time.advance(by: 61)
                let second = try await claim("worker")
                #expect(second.task.id == first.task.id && second.task.attempts == 2)
                #expect(first.task.attemptName != second.task.attemptName)

                // Both attempts render at once, each in its own scratch directory.
                async let late = pool.pipeline.run(first) { _, _ in }
                async let winner = pool.pipeline.run(second) { _, _ in }
                let (lateOutcome, winnerOutcome) = try await (late, winner)
                let lateKey = try #require(lateOutcome.clips.first?.blobKey)
                let winnerKey = try #require(winnerOutcome.clips.first?.blobKey)
                #expect(lateKey != winnerKey)

                #expect(try await complete(second, winnerOutcome, by: "worker") == .jobSucceeded)
                // The late one is discarded and, as a worker pool does then, removes what it stored.
                #expect(try await complete(first, lateOutcome, by: "late") == .discarded)
                for key in lateOutcome.clips.flatMap(\.blobKeys) { try await server.blobs.delete(key) }

                let done = try await client.waitForJob(id)
                #expect(done.status == "succeeded" && done.clips.count == 1, "\(done)")
                let clip = try #require(done.clips.first)
                let (status, _, bytes) = try await client.download(clip["url"] as? String ?? "")
                #expect(status == .ok && !bytes.isEmpty, "the winner's clip is still there")
            }
        }
    }

    @Test func whatAKilledAttemptStoredButNeverRecordedIsRemovedByTheNext() async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        try await withTemporaryDirectory { dir in
            let configuration = ServerHarness.configuration(dataDir: dir + "/data", workers: false)
            let (clock, time) = WallClock.manual(start: Date())
            try await ServerHarness.run(configuration, clock: clock) { client, server in
                let id = try await client.createJob(
                    #"""
                    {"source":{"uploadId":"\#(try await client.upload(source))"},"clips":[{"start":2,"end":6}],\#
                    "output":{"mode":"exact"},"thumbnails":false,"quality":false}
                    """#)
                let store = server.store
                let pool = try await server.workerPool(logger: ServerHarness.logger, workerID: "worker")
                func claim(_ worker: String, lease: Double = 600) async throws -> ClaimedTask {
                    try #require(try await store.claimTask(worker: worker, capabilities: [.cpu], leaseSeconds: lease))
                }
                let probe = try await claim("worker")
                _ = try await store.completeTask(
                    taskId: probe.task.id, worker: "worker", outcome: try await pool.pipeline.run(probe) { _, _ in },
                    transitions: pool.transitions)

                // The first attempt stores its clip, and its worker is killed before recording it.
                let killed = try await claim("killed", lease: 60)
                let lost = try await pool.pipeline.run(killed) { _, _ in }
                let lostKeys = lost.clips.flatMap(\.blobKeys)
                #expect(!lostKeys.isEmpty)
                time.advance(by: 61)
                let retry = try await claim("worker")
                #expect(retry.task.id == killed.task.id && retry.task.attempts == 2)
                let outcome = try await pool.pipeline.run(retry) { _, _ in }
                #expect(
                    try await store.completeTask(
                        taskId: retry.task.id, worker: "worker", outcome: outcome, transitions: pool.transitions)
                        == .jobSucceeded)

                let stored = Set(try await server.blobs.keys(startingWith: "clips/\(id)/"))
                #expect(stored == Set(outcome.clips.flatMap(\.blobKeys)), "only the recorded attempt's files are kept")
                #expect(stored.isDisjoint(with: lostKeys))
            }
        }
    }
}
