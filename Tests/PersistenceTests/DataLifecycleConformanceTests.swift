import ClipGenCore
import Foundation
import Persistence
import TestSupport
import Testing

/// Retention settings, expiry by category and leases on every store, with a manual clock.
@Suite struct DataLifecycleConformanceTests {
    static let day: TimeInterval = 86400

    func upload(_ f: Fixture, sha: String, key: String) async throws -> Upload {
        try await f.store.createUpload(
            Upload(
                organizationId: f.organization.id, ownerId: f.user.id, filename: "\(sha).mp4", size: 10, sha256: sha,
                blobKey: try BlobKey(key), createdAt: f.time.current))
    }

    func expire(
        _ f: Fixture, _ category: RetentionCategory, olderThanDays days: Double, sparing: Set<UploadID> = [],
        limit: Int = 100
    ) async throws -> Expiry {
        try await f.store.expire(
            category, organizationId: f.organization.id, before: f.time.current.addingTimeInterval(-days * Self.day),
            sparing: sparing, limit: limit)
    }

    @Test(arguments: StoreBackend.all)
    func settingsArePerOrganisationAndNullMeansTheDefault(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            #expect(try await f.store.retention(organizationId: f.organization.id) == RetentionSettings())
            let own = RetentionSettings(uploads: 30, clips: 0, audit: 365)
            #expect(try await f.store.setRetention(own, organizationId: f.organization.id))
            #expect(try await f.store.retention(organizationId: f.organization.id) == own)
            #expect(try await f.store.retention(organizationId: .make()) == nil)
            #expect(try await !f.store.setRetention(own, organizationId: .make()))
            let other = Organization(name: "other", createdAt: f.time.current)
            try await f.store.createOrganization(other)
            #expect(
                try await f.store.retentionByOrganization() == [f.organization.id: own, other.id: RetentionSettings()])
        }
    }

    @Test(arguments: StoreBackend.all)
    func uploadsExpireUnlessInUseAndASharedFileGoesWithTheLastRow(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            let first = try await upload(f, sha: "same", key: "uploads/first")
            f.time.advance(by: 1)
            let twin = try await upload(f, sha: "same", key: "uploads/twin")
            #expect(twin.blobKey.rawValue == "uploads/first", "deduplicated onto the first one's file")
            let source = try await upload(f, sha: "source", key: "uploads/source")
            let logo = try await upload(f, sha: "logo", key: "uploads/logo")
            var request = JobRequest(source: .init(uploadId: source.id), clips: [.init(start: 0, end: 1)])
            request.thumbnails = false
            let job = Job(
                organizationId: f.organization.id, ownerId: f.user.id, request: request, createdAt: f.time.current)
            _ = try await f.store.createJob(
                job, firstTask: TaskRecord(jobId: job.id, kind: .probe, maxAttempts: 3), idempotencyKey: nil)
            f.time.advance(by: 10 * Self.day)
            let fresh = try await upload(f, sha: "fresh", key: "uploads/fresh")

            let oldest = try await expire(f, .uploads, olderThanDays: 5, sparing: [logo.id], limit: 1)
            #expect(oldest.rows == 1, "batches are bounded")
            #expect(oldest.blobs == [try Transcript.blobKey(for: first.id)], "the twin still uses the file")
            let rest = try await expire(f, .uploads, olderThanDays: 5, sparing: [logo.id])
            #expect(rest.rows == 1)
            #expect(Set(rest.blobs) == [try Transcript.blobKey(for: twin.id), first.blobKey])
            #expect(try await expire(f, .uploads, olderThanDays: 5, sparing: [logo.id]).rows == 0)
            for kept in [source, logo, fresh] {
                #expect(try await f.store.upload(id: kept.id, organizationId: f.organization.id) != nil)
            }

            _ = try await f.store.cancelJob(id: job.id, organizationId: f.organization.id)
            let released = try await expire(f, .uploads, olderThanDays: 5, sparing: [logo.id])
            #expect(released.rows == 1 && released.blobs.contains(source.blobKey), "its job is over")
            let other = Organization(name: "other", createdAt: f.time.current)
            try await f.store.createOrganization(other)
            #expect(
                try await f.store.expire(
                    .uploads, organizationId: other.id, before: f.time.current, sparing: [], limit: 100
                ).rows == 0, "expiry stays within its organisation")
            #expect(try await f.store.upload(id: fresh.id, organizationId: f.organization.id) != nil)
        }
    }

    @Test(arguments: StoreBackend.all)
    func clipsAnalysesAndJobsOfFinishedJobsExpire(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            let (job, _, _) = try await f.job(clips: 2, highlights: true)
            let probe = try #require(try await f.store.claimTask(worker: "w", capabilities: [.cpu], leaseSeconds: 30))
            _ = try await f.store.completeTask(
                taskId: probe.task.id, worker: "w", outcome: TaskOutcome(), transitions: StoreBackend.transitions)
            let analyzing = try #require(
                try await f.store.claimTask(worker: "w", capabilities: [.cpu], leaseSeconds: 30))
            _ = try await f.store.completeTask(
                taskId: analyzing.task.id, worker: "w",
                outcome: TaskOutcome(analysis: Analysis(duration: 10, fps: 30, cuts: [], highlights: [], step: 0.5)),
                transitions: StoreBackend.transitions)
            var keys: [BlobKey] = []
            while let render = try await f.store.claimTask(worker: "w", capabilities: [.cpu], leaseSeconds: 30) {
                let clip = Clip(
                    jobId: job.id, organizationId: f.organization.id, index: render.task.clipIndex!, name: nil,
                    start: 0, end: 1, actualStart: 0, duration: 1, format: .mp4, modeUsed: .exact,
                    fallbackReason: nil, size: 1, sha256: "x",
                    blobKey: try BlobKey("clips/\(job.id)/\(render.task.id).mp4"),
                    thumbnailKey: try BlobKey("clips/\(job.id)/\(render.task.id).jpg"), createdAt: f.time.current)
                keys += clip.blobKeys
                _ = try await f.store.completeTask(
                    taskId: render.task.id, worker: "w", outcome: TaskOutcome(clips: [clip]),
                    transitions: StoreBackend.transitions)
            }
            #expect(try await f.store.jobStatus(id: job.id, organizationId: f.organization.id) == .succeeded)
            let (waiting, _, _) = try await f.job()
            f.time.advance(by: 10 * Self.day)

            #expect(try await expire(f, .clips, olderThanDays: 11).rows == 0, "not old enough yet")
            let clips = try await expire(f, .clips, olderThanDays: 5)
            #expect(clips.rows == 2 && Set(clips.blobs) == Set(keys))
            #expect(try await f.store.clips(jobId: job.id).isEmpty)
            #expect(try await f.store.jobStatus(id: job.id, organizationId: f.organization.id) == .succeeded)

            #expect(try await expire(f, .analyses, olderThanDays: 5).rows == 1)
            #expect(try await f.store.analysis(jobId: job.id, organizationId: f.organization.id) == nil)

            let jobs = try await expire(f, .jobs, olderThanDays: 5)
            #expect(jobs.rows == 1 && jobs.jobs == [job.id], "the queued job is not finished")
            #expect(try await f.store.job(id: job.id, organizationId: f.organization.id) == nil)
            #expect(try await f.store.job(id: waiting.id, organizationId: f.organization.id) != nil)
        }
    }

    @Test(arguments: StoreBackend.all)
    func finishedWebhookDeliveriesExpireAndPendingOnesStay(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            let (done, _, _) = try await f.job(webhookUrl: "https://hooks.example.com/a")
            let (pending, _, _) = try await f.job(webhookUrl: "https://hooks.example.com/b")
            _ = try await f.store.cancelJob(id: done.id, organizationId: f.organization.id)
            let delivery = try #require(try await f.store.claimWebhookDelivery(lease: 60))
            try await f.store.recordWebhookAttempt(
                deliveryId: delivery.id,
                WebhookAttempt(number: 1, at: f.time.current, statusCode: 204, error: nil, durationSeconds: 0.1),
                state: .delivered, retryAt: nil)
            _ = try await f.store.cancelJob(id: pending.id, organizationId: f.organization.id)
            f.time.advance(by: 10 * Self.day)
            #expect(try await expire(f, .webhooks, olderThanDays: 5).rows == 1)
            #expect(try await f.store.webhookDeliveries(jobId: done.id, organizationId: f.organization.id).isEmpty)
            #expect(
                try await f.store.webhookDeliveries(jobId: pending.id, organizationId: f.organization.id).count == 1)
        }
    }

    @Test(arguments: StoreBackend.all)
    func aLeaseHasOneHolderUntilItExpiresOrIsReleased(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            let until = { (seconds: Double) in f.time.current.addingTimeInterval(seconds) }
            #expect(try await f.store.acquireLease("sweep", holder: "a", until: until(60)))
            #expect(try await !f.store.acquireLease("sweep", holder: "b", until: until(60)))
            #expect(try await f.store.acquireLease("other", holder: "b", until: until(60)), "leases are by name")
            #expect(try await f.store.acquireLease("sweep", holder: "a", until: until(120)), "renewed by its holder")
            f.time.advance(by: 90)
            #expect(try await !f.store.acquireLease("sweep", holder: "b", until: until(60)), "renewal counts")
            f.time.advance(by: 31)
            #expect(try await f.store.acquireLease("sweep", holder: "b", until: until(60)), "taken once it lapsed")
            try await f.store.releaseLease("sweep", holder: "a")
            #expect(try await !f.store.acquireLease("sweep", holder: "a", until: until(60)), "only its holder ends it")
            try await f.store.releaseLease("sweep", holder: "b")
            #expect(try await f.store.acquireLease("sweep", holder: "a", until: until(60)))
        }
    }
}
