import BlobStorage
import ClipGenCore
import Foundation
import Persistence
import PersistenceSQLite
import Server
import TestSupport
import Testing
import Workers

/// A task taken again after its lease ran out while the first attempt still runs (a loaded
/// machine: the stressed test run lost a re-render this way, both attempts writing one scratch
/// directory and one clip key). Stepped by hand through the real store, pipeline and FFmpeg.
@Suite(.serialized) struct LateAttemptTests {
    /// A server without workers, one exact clip job on it, probed; its render task waits. The
    /// store's clock is the test's.
    func withProbedJob(_ body: @Sendable @escaping (SteppedJob, ManualTime) async throws -> Void) async throws {
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
                let job = try await SteppedJob(client: client, server: server, id: id)
                let probe = try await job.claim("worker")
                #expect(probe.task.kind == .probe)
                _ = try await job.complete(probe, try await job.run(probe), by: "worker")
                try await body(job, time)
            }
        }
    }

    @Test func aLateAttemptNeitherSharesFilesWithTheWinnerNorRemovesItsClip() async throws {
        try await withProbedJob { job, time in
            let first = try await job.claim("late", lease: 60)
            #expect(first.task.kind == .render && first.task.attempts == 1)
            time.advance(by: 61)
            let second = try await job.claim("worker")
            #expect(second.task.id == first.task.id && second.task.attempts == 2)
            #expect(first.task.attemptName != second.task.attemptName)

            // Both attempts render at once, each in its own scratch directory.
            async let late = job.run(first)
            async let winner = job.run(second)
            let (lateOutcome, winnerOutcome) = try await (late, winner)
            let lateKey = try #require(lateOutcome.clips.first?.blobKey)
            let winnerKey = try #require(winnerOutcome.clips.first?.blobKey)
            #expect(lateKey != winnerKey)

            #expect(try await job.complete(second, winnerOutcome, by: "worker") == .jobSucceeded)
            // The late one is discarded and, as a worker pool does then, removes what it stored.
            #expect(try await job.complete(first, lateOutcome, by: "late") == .discarded)
            for key in lateOutcome.clips.flatMap(\.blobKeys) { try await job.server.blobs.delete(key) }

            let done = try await job.client.waitForJob(job.id)
            #expect(done.status == "succeeded" && done.clips.count == 1, "\(done)")
            let clip = try #require(done.clips.first)
            let (status, _, bytes) = try await job.client.download(clip["url"] as? String ?? "")
            #expect(status == .ok && !bytes.isEmpty, "the winner's clip is still there")
        }
    }

    @Test func whatAKilledAttemptStoredButNeverRecordedIsRemovedByTheNext() async throws {
        try await withProbedJob { job, time in
            // The first attempt stores its clip, and its worker is killed before recording it.
            let killed = try await job.claim("killed", lease: 60)
            let lost = try await job.run(killed)
            let lostKeys = lost.clips.flatMap(\.blobKeys)
            #expect(!lostKeys.isEmpty)
            time.advance(by: 61)
            let retry = try await job.claim("worker")
            #expect(retry.task.id == killed.task.id && retry.task.attempts == 2)
            let outcome = try await job.run(retry)
            #expect(try await job.complete(retry, outcome, by: "worker") == .jobSucceeded)

            let stored = Set(try await job.server.blobs.keys(startingWith: "clips/\(job.id)/"))
            #expect(stored == Set(outcome.clips.flatMap(\.blobKeys)), "only the recorded attempt's files are kept")
            #expect(stored.isDisjoint(with: lostKeys))
        }
    }
}
