import BlobStorage
import ClipGenCore
import Foundation
import MediaAnalysis
import MediaEngine
import Persistence
import PersistenceSQLite
import TestSupport
import Testing
import Workers

/// The quality task on its own: a measurement FFmpeg cannot make is retried, and on the last
/// attempt leaves the clip unmeasured instead of failing a job whose clips are good.
@Suite struct QualityTaskTests {
    @Test(arguments: [1, 3])
    func aFailedMeasurementRetriesThenLeavesTheClipUnmeasured(attempt: Int) async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        try await withTemporaryDirectory { dir in
            let store = SQLiteJobStore(path: dir + "/db.sqlite")
            let blobs = LocalBlobStore(root: dir + "/blobs")
            let organization = Organization(name: "o", createdAt: Date())
            try await store.createOrganization(organization)
            let sourceKey = try BlobKey("uploads/source")
            try FileManager.default.copyItem(atPath: source, toPath: dir + "/copy.mp4")
            let stored = try await blobs.importFile(at: dir + "/copy.mp4", as: sourceKey)
            let upload = Upload(
                organizationId: organization.id, ownerId: "u", filename: "s.mp4", size: stored.size,
                sha256: stored.sha256, blobKey: sourceKey, createdAt: Date())
            _ = try await store.createUpload(upload)
            var job = Job(
                organizationId: organization.id, ownerId: "u",
                request: JobRequest(
                    source: .init(uploadId: upload.id), clips: [.init(start: 2, end: 4)],
                    output: OutputOptions(mode: .exact)), createdAt: Date())
            job.media = try await Prober().probe(source)

            // FFmpeg that fails every comparison, as it would on a clip it cannot decode.
            let failing = ProcessRunner { _, _ in
                ProcessOutput(exitCode: 1, stdout: "", stderrTail: "Invalid data found when processing input")
            }
            let pipeline = TaskPipeline(
                store: store, blobs: blobs, prober: Prober(), cutter: Cutter(), thumbnailer: Thumbnailer(),
                qualityMeter: QualityMeter(runner: failing), scratchDirectory: dir + "/scratch")
            let clipKey = try BlobKey("clips/c")
            try FileManager.default.copyItem(atPath: source, toPath: dir + "/clip.mp4")
            _ = try await blobs.importFile(at: dir + "/clip.mp4", as: clipKey)
            let first = TaskRecord(jobId: job.id, kind: .probe, maxAttempts: 3)
            _ = try await store.createJob(job, firstTask: first, idempotencyKey: nil)
            let claimed = try #require(try await store.claimTask(worker: "w", capabilities: [.cpu], leaseSeconds: 30))
            let clip = Clip(
                jobId: job.id, organizationId: organization.id, index: 0, name: nil, start: 2, end: 4, actualStart: 2,
                duration: 2,
                format: .mp4, modeUsed: .exact, fallbackReason: nil, size: 1, sha256: "x", blobKey: clipKey,
                createdAt: Date())
            _ = try await store.completeTask(
                taskId: claimed.task.id, worker: "w", outcome: TaskOutcome(media: job.media, clips: [clip]),
                transitions: JobTransitions())

            let task = TaskRecord(jobId: job.id, kind: .quality, clipIndex: 0, attempts: attempt, maxAttempts: 3)
            let run = ClaimedTask(task: task, job: job)
            if attempt < 3 {
                await #expect(throws: MediaError.self) { _ = try await pipeline.run(run) { _, _ in } }
            } else {
                let outcome = try await pipeline.run(run) { _, _ in }
                #expect(outcome.qualities.isEmpty)
            }
        }
    }
}
