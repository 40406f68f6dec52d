import ClipGenCore
import Foundation
import Persistence
import TestSupport
import Testing

/// Batches on every store: written with all their jobs, counted, and settled exactly once — by
/// the transaction that ends their last job, which also queues their one webhook.
@Suite struct BatchConformanceTests {
    /// A batch of `count` one-clip jobs (a probe, then a render each) with a webhook URL.
    private func batch(_ f: Fixture, count: Int, key: IdempotencyKey? = nil) async throws -> (Batch, [Job], Batch?) {
        let batch = Batch(
            organizationId: f.organization.id, ownerId: f.user.id, name: "week 12", preset: "shorts",
            webhookUrl: "https://hooks.example.com/batches", total: count, createdAt: f.time.current)
        let jobs = (0..<count).map { index in
            var request = JobRequest(source: .init(uploadId: .make()), clips: [.init(start: 0, end: 1)])
            request.thumbnails = false
            request.quality = false
            request.batch = batch.id
            return Job(
                organizationId: f.organization.id, ownerId: f.user.id, request: request,
                createdAt: f.time.current.addingTimeInterval(Double(index) / 1_000_000))
        }
        let earlier = try await f.store.createBatch(
            batch, jobs: jobs.map { ($0, TaskRecord(jobId: $0.id, kind: .probe, maxAttempts: 1)) }, idempotencyKey: key)
        return (batch, jobs, earlier)
    }

    /// Claims and finishes tasks until none is left, except renders of the jobs in `holding`,
    /// which stay leased and are answered.
    private func work(_ f: Fixture, holding: Set<JobID> = []) async throws -> [ClaimedTask] {
        var held: [ClaimedTask] = []
        while let claimed = try await f.store.claimTask(worker: "w", capabilities: [.cpu], leaseSeconds: 300) {
            if claimed.task.kind == .render && holding.contains(claimed.task.jobId) {
                held.append(claimed)
                continue
            }
            let outcome =
                claimed.task.kind == .render
                ? TaskOutcome(clips: [try f.clip(of: claimed.job, index: claimed.task.clipIndex ?? 0)]) : TaskOutcome()
            _ = try await f.store.completeTask(
                taskId: claimed.task.id, worker: "w", outcome: outcome, transitions: StoreBackend.transitions)
        }
        return held
    }

    private func batchDeliveries(_ f: Fixture) async throws -> [WebhookDelivery] {
        var deliveries: [WebhookDelivery] = []
        while let delivery = try await f.store.claimWebhookDelivery(lease: 600) { deliveries.append(delivery) }
        return deliveries.filter { $0.batch != nil }
    }

    @Test(arguments: StoreBackend.all)
    func aBatchIsWrittenWithAllItsJobsAndCounted(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            let (batch, jobs, _) = try await batch(f, count: 3)
            let read = try #require(try await f.store.batch(id: batch.id, organizationId: f.organization.id))
            #expect(read.status == .running && read.total == 3 && read.finishedAt == nil && read.name == "week 12")
            #expect(read.counts?.queued == 3 && read.counts?.total == 3 && read.counts?.progress == 0)
            #expect(
                try await f.store.batchJobs(id: batch.id, organizationId: f.organization.id).map(\.id) == jobs.map(\.id)
            )
            let queued = try await f.store.claimEvents(limit: 100)
            #expect(queued.count == 3 && queued.allSatisfy { $0.status == .queued })
            let listed = try await f.store.batches(organizationId: f.organization.id, page: PageRequest(limit: 10))
            #expect(listed.items.map(\.id) == [batch.id] && listed.items.first?.counts?.queued == 3)

            let other = Organization(name: "other", createdAt: f.time.current)
            try await f.store.createOrganization(other)
            #expect(try await f.store.batch(id: batch.id, organizationId: other.id) == nil)
            #expect(try await f.store.batchJobs(id: batch.id, organizationId: other.id).isEmpty)
            #expect(try await f.store.batches(organizationId: other.id, page: PageRequest(limit: 10)).items.isEmpty)
        }
    }

    @Test(arguments: StoreBackend.all)
    func theLastJobToEndSettlesTheBatchWithOneWebhook(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            let (batch, jobs, _) = try await batch(f, count: 3)
            _ = try await f.store.cancelJob(id: jobs[1].id, organizationId: f.organization.id)
            let held = try await work(f, holding: [jobs[2].id])
            let running = try #require(try await f.store.batch(id: batch.id, organizationId: f.organization.id))
            #expect(running.status == .running && running.finishedAt == nil)
            #expect(running.counts?.succeeded == 1 && running.counts?.cancelled == 1 && running.counts?.running == 1)
            #expect(try await batchDeliveries(f).isEmpty, "no webhook while a job is running")

            f.time.advance(by: 5)
            let last = try #require(held.first)
            _ = try await f.store.failTask(
                taskId: last.task.id, worker: "w", error: JobError(code: .renderFailed, message: "x"),
                retryable: false, transitions: StoreBackend.transitions)
            let ended = try #require(try await f.store.batch(id: batch.id, organizationId: f.organization.id))
            #expect(ended.status == .partial && ended.counts?.failed == 1 && ended.counts?.progress == 1)
            #expect(ended.finishedAt.map { abs($0.timeIntervalSince(f.time.current)) < 0.001 } == true)
            let deliveries = try await batchDeliveries(f)
            #expect(deliveries.count == 1)
            #expect(deliveries.first?.url == "https://hooks.example.com/batches")
            #expect(deliveries.first?.batch?.status == .partial && deliveries.first?.batch?.id == batch.id)
            #expect(deliveries.first?.batch?.counts?.succeeded == 1 && deliveries.first?.jobId == jobs[2].id)
        }
    }

    @Test(arguments: StoreBackend.all)
    func jobsEndingAtOnceSettleTheirBatchExactlyOnce(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            for round in 0..<6 {
                let (batch, jobs, _) = try await batch(f, count: 2)
                let held = try await work(f, holding: Set(jobs.map(\.id)))
                try #require(held.count == 2)
                let store = f.store
                // Both finish at once; on odd rounds one fails instead, racing the success.
                async let first = store.completeTask(
                    taskId: held[0].task.id, worker: "w",
                    outcome: TaskOutcome(clips: [try f.clip(of: held[0].job, index: 0)]),
                    transitions: StoreBackend.transitions)
                async let second: Void =
                    round % 2 == 0
                    ? {
                        _ = try await store.completeTask(
                            taskId: held[1].task.id, worker: "w",
                            outcome: TaskOutcome(clips: [try f.clip(of: held[1].job, index: 0)]),
                            transitions: StoreBackend.transitions)
                    }()
                    : {
                        _ = try await store.failTask(
                            taskId: held[1].task.id, worker: "w", error: JobError(code: .renderFailed, message: "x"),
                            retryable: false, transitions: StoreBackend.transitions)
                    }()
                _ = try await (first, second)
                let ended = try #require(try await f.store.batch(id: batch.id, organizationId: f.organization.id))
                #expect(ended.status == (round % 2 == 0 ? .succeeded : .partial), "round \(round)")
                let deliveries = try await batchDeliveries(f)
                #expect(deliveries.count == 1, "round \(round): \(deliveries.count) batch webhooks")
            }
        }
    }

    @Test(arguments: StoreBackend.all)
    func anEndedBatchExpiresWithItsLastJob(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            let (batch, jobs, _) = try await batch(f, count: 2)
            for job in jobs { _ = try await f.store.cancelJob(id: job.id, organizationId: f.organization.id) }
            f.time.advance(by: 10)
            let cutoff = f.time.current.addingTimeInterval(-5)
            let expired = try await f.store.expire(
                .jobs, organizationId: f.organization.id, before: cutoff, sparing: [], limit: 1)
            #expect(expired.jobs.count == 1)
            #expect(try await f.store.batch(id: batch.id, organizationId: f.organization.id) != nil, "one job left")
            _ = try await f.store.expire(
                .jobs, organizationId: f.organization.id, before: cutoff, sparing: [], limit: 1)
            #expect(try await f.store.batch(id: batch.id, organizationId: f.organization.id) == nil)
        }
    }

    @Test(arguments: StoreBackend.all)
    func aRetriedBatchWithItsKeyWritesNothingAndAnswersTheFirst(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            let key = IdempotencyKey(key: "nightly-12", fingerprint: "f1", lifetime: 3600)
            let (first, _, none) = try await batch(f, count: 2, key: key)
            #expect(none == nil)
            let (_, _, again) = try await batch(f, count: 2, key: key)
            #expect(again?.id == first.id)
            #expect(
                try await f.store.batches(organizationId: f.organization.id, page: PageRequest(limit: 10)).items.count
                    == 1)
            #expect(try await f.store.claimEvents(limit: 100).count == 2, "the retry queued no job")
            let found = try await f.store.batch(madeWith: key, ownerId: f.user.id, organizationId: f.organization.id)
            #expect(found?.id == first.id)
            #expect(
                try await f.store.batch(madeWith: key, ownerId: .make(), organizationId: f.organization.id) == nil,
                "keys are the owner's")
            await #expect(throws: StoreError.self) {
                _ = try await f.store.batch(
                    madeWith: IdempotencyKey(key: "nightly-12", fingerprint: "f2"), ownerId: f.user.id,
                    organizationId: f.organization.id)
            }
            await #expect(throws: StoreError.self) {
                _ = try await batch(f, count: 2, key: IdempotencyKey(key: "nightly-12", fingerprint: "f2"))
            }
            // Past its lifetime the key starts a new batch.
            f.time.advance(by: 3601)
            let (later, _, earlier) = try await batch(f, count: 1, key: key)
            #expect(earlier == nil)
            #expect(
                try await f.store.batches(organizationId: f.organization.id, page: PageRequest(limit: 10)).items.map(
                    \.id) == [later.id, first.id])
        }
    }
}
