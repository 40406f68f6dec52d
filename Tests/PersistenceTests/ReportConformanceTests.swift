import ClipGenCore
import Foundation
import Persistence
import TestSupport
import Testing

/// Analytics and quality reports on every store: the figures of jobs made here, to the second,
/// with the same nearest-rank percentiles on SQLite, PostgreSQL and in memory.
@Suite struct ReportConformanceTests {
    /// 2027-01-16T00:00:00Z and the day after: the manual clock starts on the 15th.
    static let dayA = Date(timeIntervalSince1970: 1_800_057_600)
    static let dayB = dayA.addingTimeInterval(86400)

    struct Planned {
        var probeSeconds: Double
        var mediaSeconds: Double
        /// Render seconds, then the clip each makes.
        var renders:
            [(
                seconds: Double,
                clip: (duration: Double, size: Int64, quality: ClipQuality?, loudness: Double?, fallback: String?)
            )]
    }

    /// Runs a job through probe and its renders, the clock moving as each takes its time.
    @discardableResult
    static func run(_ f: Fixture, _ plan: Planned, organization: OrganizationID? = nil) async throws -> Job {
        var request = JobRequest(
            source: .init(uploadId: .make()),
            clips: plan.renders.indices.map { .init(start: Double($0), end: Double($0) + 1) })
        request.thumbnails = false
        request.quality = false
        let job = Job(
            organizationId: organization ?? f.organization.id, ownerId: f.user.id, request: request,
            createdAt: f.time.current)
        _ = try await f.store.createJob(
            job, firstTask: TaskRecord(jobId: job.id, kind: .probe, maxAttempts: 3), idempotencyKey: nil)
        let probe = try #require(try await f.store.claimTask(worker: "w", capabilities: [.cpu], leaseSeconds: 600))
        f.time.advance(by: plan.probeSeconds)
        let media = MediaInfo(
            duration: plan.mediaSeconds, startTime: 0, formatName: "mp4", video: nil, audio: [], keyframeTimes: [])
        _ = try await f.store.completeTask(
            taskId: probe.task.id, worker: "w", outcome: TaskOutcome(media: media),
            transitions: StoreBackend.transitions)
        for (seconds, planned) in plan.renders {
            let render = try #require(try await f.store.claimTask(worker: "w", capabilities: [.cpu], leaseSeconds: 600))
            f.time.advance(by: seconds)
            let index = try #require(render.task.clipIndex)
            let clip = Clip(
                jobId: job.id, organizationId: job.organizationId, index: index, name: nil, start: 0,
                end: planned.duration, actualStart: 0,
                duration: planned.duration, format: .mp4, modeUsed: .exact, fallbackReason: planned.fallback,
                size: planned.size, sha256: "x",
                blobKey: try BlobKey("clips/\(job.id)/\(index).mp4"), loudnessLUFS: planned.loudness,
                quality: planned.quality,
                createdAt: f.time.current)
            _ = try await f.store.completeTask(
                taskId: render.task.id, worker: "w", outcome: TaskOutcome(clips: [clip]),
                transitions: StoreBackend.transitions)
        }
        return job
    }

    @Test(arguments: StoreBackend.all)
    func analyticsAndQualityCountWhatWasDone(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            f.time.advance(by: Self.dayA.timeIntervalSince(f.time.current) + 3600)
            let first = try await Self.run(
                f,
                Planned(
                    probeSeconds: 2, mediaSeconds: 120,
                    renders: [
                        (
                            3,
                            (
                                10, 100, ClipQuality(psnr: 25, ssim: 0.85, loudnessLUFS: -23), nil,
                                "the source's codec parameters change mid-stream"
                            )
                        ),
                        (5, (20, 200, ClipQuality(psnr: 45, ssim: 0.99, loudnessLUFS: nil), -14, nil)),
                    ]))
            // A job that fails at its probe: counted by its code, its probe time not among the finished.
            let failing = Job(
                organizationId: f.organization.id, ownerId: f.user.id,
                request: JobRequest(source: .init(uploadId: .make())), createdAt: f.time.current)
            _ = try await f.store.createJob(
                failing, firstTask: TaskRecord(jobId: failing.id, kind: .probe, maxAttempts: 1), idempotencyKey: nil)
            let probe = try #require(try await f.store.claimTask(worker: "w", capabilities: [.cpu], leaseSeconds: 600))
            f.time.advance(by: 9)
            #expect(
                try await f.store.failTask(
                    taskId: probe.task.id, worker: "w", error: JobError(code: .unsupportedMedia, message: "no"),
                    retryable: false, transitions: StoreBackend.transitions) == .jobFailed)
            // Another organisation's work is never counted.
            let other = Organization(name: "other", createdAt: f.time.current)
            try await f.store.createOrganization(other)
            try await Self.run(
                f,
                Planned(
                    probeSeconds: 50, mediaSeconds: 600,
                    renders: [(50, (60, 1000, ClipQuality(psnr: 10, ssim: 0.5, loudnessLUFS: -40), nil, "x"))]),
                organization: other.id)

            f.time.advance(by: Self.dayB.timeIntervalSince(f.time.current) + 7200)
            let third = try await Self.run(
                f,
                Planned(
                    probeSeconds: 4, mediaSeconds: 60,
                    renders: [(7, (30, 300, ClipQuality(psnr: 38, ssim: 0.95, loudnessLUFS: -16), nil, nil))]))
            let queuedAt = f.time.current
            _ = try await f.job()
            f.time.advance(by: 30)

            let scope = ReportScope(
                organizationId: f.organization.id, from: Self.dayA.addingTimeInterval(-86400 * 3),
                to: Self.dayB.addingTimeInterval(86400))
            let report = try await f.store.analytics(scope, groupBy: .day)
            let totals = report.totals
            #expect(totals.jobs == ["succeeded": 2, "failed": 1, "queued": 1])
            #expect(abs(totals.mediaMinutes - 3) < 1e-9, "the sources of the jobs that succeeded: 120 s and 60 s")
            #expect(totals.clips == 3 && abs(totals.clipMinutes - 1) < 1e-9)
            #expect(totals.failures == ["unsupported_media": 1])
            #expect(
                totals.processingSeconds["probe"]
                    == Distribution(count: 2, min: 2, max: 4, mean: 3, p5: 2, p50: 2, p95: 4))
            #expect(
                totals.processingSeconds["render"]
                    == Distribution(count: 3, min: 3, max: 7, mean: 5, p5: 3, p50: 5, p95: 7))
            #expect(report.buckets.map(\.start) == [Self.dayA, Self.dayB])
            let (a, b) = (report.buckets[0].figures, report.buckets[1].figures)
            #expect(a.jobs == ["succeeded": 1, "failed": 1] && b.jobs == ["succeeded": 1, "queued": 1])
            #expect(abs(a.mediaMinutes - 2) < 1e-9 && abs(b.mediaMinutes - 1) < 1e-9)
            #expect(a.clips == 2 && b.clips == 1 && abs(a.clipMinutes - 0.5) < 1e-9)
            #expect(
                a.processingSeconds["render"]?.p50 == 3 && b.processingSeconds["render"]?.count == 1
                    && b.processingSeconds["probe"]?.max == 4)
            #expect(a.failures == ["unsupported_media": 1] && b.failures.isEmpty)

            // The window is by creation: from the second day on, the first day's jobs are gone.
            let later = try await f.store.analytics(
                ReportScope(organizationId: f.organization.id, from: Self.dayB, to: scope.to), groupBy: .none)
            #expect(later.totals.jobs == ["succeeded": 1, "queued": 1] && later.buckets.isEmpty)
            let hourly = try await f.store.analytics(scope, groupBy: .hour)
            #expect(
                hourly.buckets.map(\.start) == [Self.dayA.addingTimeInterval(3600), Self.dayB.addingTimeInterval(7200)])

            let quality = try await f.store.quality(scope, thresholds: QualityThresholds())
            #expect(quality.clips == 3)
            #expect(quality.psnr == Distribution(count: 3, min: 25, max: 45, mean: 36, p5: 25, p50: 38, p95: 45))
            #expect(quality.ssim?.p50 == 0.95 && quality.ssim?.min == 0.85)
            #expect(
                quality.loudnessLUFS.map { [$0.min, $0.p50, $0.max] } == [-23, -16, -14],
                "the measured loudness, else the clip's own")
            #expect(quality.belowThresholds.map(\.jobId) == [first.id] && quality.belowThresholds.first?.psnr == 25)
            #expect(quality.fallbacksByReason == ["the source's codec parameters change mid-stream": 1])
            #expect(quality.fallbacks.map(\.jobId) == [first.id])
            let stricter = try await f.store.quality(scope, thresholds: QualityThresholds(psnr: 40, ssim: 0.5))
            #expect(stricter.belowThresholds.map(\.psnr) == [25, 38], "worst first")
            let one = try await f.store.quality(
                ReportScope(organizationId: f.organization.id, from: .distantPast, to: .distantFuture, jobId: third.id),
                thresholds: QualityThresholds())
            #expect(one.clips == 1 && one.psnr?.p50 == 38 && one.belowThresholds.isEmpty && one.fallbacks.isEmpty)

            let queue = try await f.store.queueStatistics()
            #expect(queue == [QueueStatistics(capability: .cpu, queued: 1, oldestDueSince: queuedAt)])
            #expect(try await f.store.storedBytes() == 100 + 200 + 300 + 1000)
        }
    }
}
