import ClipGenCore
import Foundation
import Persistence
import PersistenceMemory
import PersistencePostgres
import PersistenceSQLite
import TestSupport
import Testing

/// One suite for every `JobStore` implementation; a new backend adds itself to `all`.
struct StoreBackend: Sendable, CustomTestStringConvertible {
    var name: String
    var make: @Sendable (_ directory: String, _ clock: WallClock) async throws -> any JobStoreBackend
    var testDescription: String { name }

    static let workflow = JobWorkflow(retry: RetryPolicy(maxAttempts: 3, baseSeconds: 2))
    static let transitions = JobTransitions(workflow: workflow)

    /// SQLite and memory always; PostgreSQL on the server the test command starts
    /// (`CLIPGEN_TEST_POSTGRES_URL`), each test in a database of its own.
    static let all: [StoreBackend] =
        [
            StoreBackend(name: "SQLite") { directory, clock in
                SQLiteJobStore(path: directory + "/test.sqlite", clock: clock)
            },
            StoreBackend(name: "memory") { _, clock in MemoryJobStore(clock: clock) },
        ]
        + (TestServers.postgresURL == nil
            ? []
            : [
                StoreBackend(name: "PostgreSQL") { _, clock in
                    // The 5 s deadline is for production: twenty transactions queued on one row lock
                    // beside every other suite can take longer on a loaded machine.
                    PostgresJobStore(
                        configuration: try PostgresJobStore.configuration(
                            url: try await TestServers.freshPostgresDatabase()), clock: clock, timeout: .seconds(300))
                }
            ])
}

struct Fixture: Sendable {
    let store: any JobStore
    let time: ManualTime
    let organization: Organization
    let user: User

    /// A prepared, running store with one organisation and user, for the length of `body`.
    static func with<T: Sendable>(_ backend: StoreBackend, _ body: @Sendable (Fixture) async throws -> T) async throws
        -> T
    {
        try await withTemporaryDirectory { dir in
            let (clock, time) = WallClock.manual()
            let store = try await backend.make(dir, clock)
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await store.run() }
                defer { group.cancelAll() }
                try await store.prepare()
                let organization = Organization(name: "acme", createdAt: clock.now())
                try await store.createOrganization(organization)
                let user = User(
                    organizationId: organization.id, email: "u\(Identifier.make().prefix(6))@x.test", passwordHash: "h",
                    role: .user,
                    createdAt: clock.now())
                try await store.createUser(user)
                return try await body(Fixture(store: store, time: time, organization: organization, user: user))
            }
        }
    }

    /// A job of `clips` renders after its probe: with highlights, an analysis between; with
    /// `measured`, a quality measurement after each render; no storyboard.
    func job(
        clips: Int = 1, highlights: Bool = false, measured: Bool = false, maxAttempts: Int = 3, key: String? = nil,
        fingerprint: String = "f1", owner: UserID? = nil, webhookUrl: String? = nil, thumbnails: Bool = false
    ) async throws -> (Job, TaskRecord, JobCreation) {
        var request = JobRequest(
            source: .init(uploadId: .make()), clips: (0..<clips).map { .init(start: Double($0), end: Double($0) + 1) })
        request.webhookUrl = webhookUrl
        request.thumbnails = ThumbnailOptions(enabled: thumbnails)
        request.quality = measured
        if highlights { request.highlights = JobRequest.Highlights(count: 1) }
        let job = Job(
            organizationId: organization.id, ownerId: owner ?? user.id, request: request, createdAt: time.current)
        let task = TaskRecord(jobId: job.id, kind: .probe, maxAttempts: maxAttempts)
        return (
            job, task,
            try await store.createJob(
                job, firstTask: task,
                idempotencyKey: key.map { IdempotencyKey(key: $0, fingerprint: fingerprint, lifetime: 3600) })
        )
    }
}

extension Fixture {
    /// A rendered clip as a worker would report it.
    func clip(of job: Job, index: Int) throws -> Clip {
        Clip(
            jobId: job.id, organizationId: organization.id, index: index, name: nil, start: 0, end: 1, actualStart: 0,
            duration: 1,
            format: .mp4, modeUsed: .exact, fallbackReason: nil, size: 1, sha256: "x",
            blobKey: try BlobKey("clips/\(job.id)/\(index)"), createdAt: time.current)
    }
}

@Suite struct JobStoreConformanceTests {
    @Test(arguments: StoreBackend.all)
    func jobAndFirstTaskAreWrittenTogether(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            let (job, task, creation) = try await f.job()
            #expect(creation.created)
            #expect(try await f.store.job(id: job.id, organizationId: f.organization.id)?.status == .queued)
            #expect(try await f.store.queueSize() == 1)
            let claimed = try #require(
                try await f.store.claimTask(worker: "w1", capabilities: [.cpu], leaseSeconds: 30))
            #expect(claimed.task.id == task.id && claimed.task.attempts == 1)
            #expect(claimed.job.status == .running && claimed.job.startedAt != nil)
        }
    }

    /// PostgreSQL writes a claim's change in its claiming statement rather than from a planned
    /// snapshot: every store must move the job exactly as `JobTransitions.claimed` says.
    @Test(arguments: StoreBackend.all)
    func aClaimMovesTheJobAsTheTransitionsSay(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            let (job, _, _) = try await f.job(clips: 2)
            _ = try await f.store.claimEvents(limit: 100)
            for round in 0..<3 {
                let before = try #require(try await f.store.job(id: job.id, organizationId: f.organization.id))
                f.time.advance(by: 7)
                let claimed = try #require(
                    try await f.store.claimTask(worker: "w", capabilities: [.cpu], leaseSeconds: 30))
                let planned = JobTransitions.claimed(
                    JobSnapshot(job: before, tasks: [], now: f.time.current), task: claimed.task)
                let expected = try #require(planned.job)
                #expect(
                    claimed.job.status == expected.status && claimed.job.stage == expected.stage
                        && claimed.job.attempts == expected.attempts)
                #expect(
                    abs((claimed.job.startedAt ?? .distantPast).timeIntervalSince(expected.startedAt ?? .distantFuture))
                        < 0.001)
                let events = try await f.store.claimEvents(limit: 100)
                #expect(
                    events.map(\.type) == planned.events.map(\.type)
                        && events.map(\.status) == planned.events.map(\.status), "round \(round)")
                if round == 0 {
                    _ = try await f.store.completeTask(
                        taskId: claimed.task.id, worker: "w", outcome: TaskOutcome(),
                        transitions: StoreBackend.transitions)
                    _ = try await f.store.claimEvents(limit: 100)
                }
            }
        }
    }

    @Test(arguments: StoreBackend.all)
    func aLeaseIsExclusiveUntilItExpires(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            _ = try await f.job(clips: 0) // one task: its completion succeeds the job
            let first = try #require(try await f.store.claimTask(worker: "w1", capabilities: [.cpu], leaseSeconds: 30))
            #expect(try await f.store.claimTask(worker: "w2", capabilities: [.cpu], leaseSeconds: 30) == nil)
            f.time.advance(by: 20)
            #expect(try await f.store.heartbeat(taskId: first.task.id, worker: "w1", leaseSeconds: 30) == .held)
            f.time.advance(by: 20)
            #expect(
                try await f.store.claimTask(worker: "w2", capabilities: [.cpu], leaseSeconds: 30) == nil,
                "the heartbeat extended the lease")
            f.time.advance(by: 31)
            let second = try #require(try await f.store.claimTask(worker: "w2", capabilities: [.cpu], leaseSeconds: 30))
            #expect(second.task.id == first.task.id && second.task.attempts == 2)
            #expect(try await f.store.heartbeat(taskId: first.task.id, worker: "w1", leaseSeconds: 30) == .lost)
            #expect(
                try await f.store.completeTask(
                    taskId: first.task.id, worker: "w1", outcome: TaskOutcome(), transitions: StoreBackend.transitions)
                    == .discarded)
            #expect(
                try await f.store.completeTask(
                    taskId: first.task.id, worker: "w2", outcome: TaskOutcome(), transitions: StoreBackend.transitions)
                    == .jobSucceeded)
            let job = try #require(try await f.store.job(id: first.job.id, organizationId: f.organization.id))
            #expect(job.status == .succeeded && job.progress == 1 && job.stage == .done)
        }
    }

    @Test(arguments: StoreBackend.all)
    func tasksQueuedTogetherAreClaimedInTheOrderListed(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            // The clock stands still: every task after the probe has the same timestamps.
            _ = try await f.job(clips: 3, thumbnails: true)
            let probe = try #require(try await f.store.claimTask(worker: "w", capabilities: [.cpu], leaseSeconds: 30))
            #expect(
                try await f.store.completeTask(
                    taskId: probe.task.id, worker: "w", outcome: TaskOutcome(), transitions: StoreBackend.transitions)
                    == .applied)
            var claimed: [String] = []
            while let next = try await f.store.claimTask(worker: "w", capabilities: [.cpu], leaseSeconds: 30) {
                claimed.append("\(next.task.kind.rawValue)\(next.task.clipIndex.map(String.init) ?? "")")
            }
            #expect(claimed == ["render0", "thumbnails", "render1", "render2"])
        }
    }

    @Test(arguments: StoreBackend.all)
    func analysisHighlightsAndQualityAreStoredWithTheJob(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            let (job, _, _) = try await f.job(clips: 1, highlights: true, measured: true)
            let probe = try #require(try await f.store.claimTask(worker: "w", capabilities: [.cpu], leaseSeconds: 30))
            #expect(
                try await f.store.completeTask(
                    taskId: probe.task.id, worker: "w", outcome: TaskOutcome(), transitions: StoreBackend.transitions)
                    == .applied)

            let analyzing = try #require(
                try await f.store.claimTask(worker: "w", capabilities: [.cpu], leaseSeconds: 30))
            #expect(analyzing.task.kind == .analyze && analyzing.job.stage == .analyze)
            try await f.store.reportProgress(
                taskId: analyzing.task.id, stage: .analyze, fraction: 0.5, transitions: StoreBackend.transitions)
            let halfway = try #require(try await f.store.job(id: job.id, organizationId: f.organization.id))
            #expect(abs(halfway.progress - (0.05 + 0.35 * 0.5)) < 1e-9 && halfway.stage == .analyze)
            #expect(try await f.store.analysis(jobId: job.id, organizationId: f.organization.id) == nil)

            let highlight = Highlight(start: 3, end: 8, score: 0.7, reason: "loudest stretch of the video")
            let analysis = Analysis(
                duration: 10, fps: 30, cuts: [.init(time: 3, frame: 90, score: 4)], highlights: [highlight], step: 0.5)
            #expect(
                try await f.store.completeTask(
                    taskId: analyzing.task.id, worker: "w",
                    outcome: TaskOutcome(analysis: analysis), transitions: StoreBackend.transitions) == .applied)
            #expect(try await f.store.analysis(jobId: job.id, organizationId: f.organization.id) == analysis)
            let other = Organization(name: "other", createdAt: f.time.current)
            try await f.store.createOrganization(other)
            #expect(
                try await f.store.analysis(jobId: job.id, organizationId: other.id) == nil,
                "no query crosses organisations")
            let planned = try #require(try await f.store.job(id: job.id, organizationId: f.organization.id))
            #expect(planned.highlights == [highlight])
            #expect(
                planned.clipSpec(at: 0)?.name == nil && planned.clipSpec(at: 1)?.reason == highlight.reason
                    && planned.clipSpec(at: 2) == nil)

            for _ in 0..<2 {
                let render = try #require(
                    try await f.store.claimTask(worker: "w", capabilities: [.cpu], leaseSeconds: 30))
                let index = try #require(render.task.clipIndex)
                let clip = Clip(
                    jobId: job.id, organizationId: f.organization.id, index: index, name: nil, start: 0, end: 1,
                    actualStart: 0,
                    duration: 1, format: .mp4, modeUsed: .exact, fallbackReason: nil, size: 1, sha256: "x",
                    blobKey: try BlobKey("clips/\(index)"),
                    score: index == 1 ? 0.7 : nil, reason: index == 1 ? highlight.reason : nil,
                    createdAt: f.time.current)
                #expect(
                    try await f.store.completeTask(
                        taskId: render.task.id, worker: "w", outcome: TaskOutcome(clips: [clip]),
                        transitions: StoreBackend.transitions) == .applied)
            }
            for last in [false, true] {
                let measuring = try #require(
                    try await f.store.claimTask(worker: "w", capabilities: [.cpu], leaseSeconds: 30))
                #expect(measuring.task.kind == .quality && measuring.job.stage == .render)
                let measured = ClipQuality(psnr: 41.5, ssim: 0.98, loudnessLUFS: -20)
                #expect(
                    try await f.store.completeTask(
                        taskId: measuring.task.id, worker: "w",
                        outcome: TaskOutcome(qualities: [measuring.task.clipIndex!: measured]),
                        transitions: StoreBackend.transitions) == (last ? .jobSucceeded : .applied))
            }
            let done = try #require(try await f.store.job(id: job.id, organizationId: f.organization.id))
            #expect(done.status == .succeeded && done.progress == 1)
            let clips = try await f.store.clips(jobId: job.id)
            #expect(
                clips.map(\.quality)
                    == Array(repeating: ClipQuality(psnr: 41.5, ssim: 0.98, loudnessLUFS: -20), count: 2))
            #expect(clips[1].reason == highlight.reason && clips[1].score == 0.7)
            // Deleting the job takes its analysis with it.
            _ = try await f.store.deleteJob(id: job.id, organizationId: f.organization.id)
            #expect(try await f.store.analysis(jobId: job.id, organizationId: f.organization.id) == nil)
        }
    }

    @Test(arguments: StoreBackend.all)
    func capabilitiesRouteTasks(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            _ = try await f.job()
            #expect(try await f.store.claimTask(worker: "g", capabilities: [.gpu], leaseSeconds: 30) == nil)
            #expect(try await f.store.claimTask(worker: "c", capabilities: [.cpu, .gpu], leaseSeconds: 30) != nil)
        }
    }

    @Test(arguments: StoreBackend.all)
    func failuresRetryWithExponentialBackoffThenFailTheJob(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            let (job, _, _) = try await f.job(maxAttempts: 3)
            let error = JobError(code: .renderFailed, message: "boom")
            var delays: [Double] = []
            for attempt in 1...3 {
                let claimed = try #require(
                    try await f.store.claimTask(worker: "w", capabilities: [.cpu], leaseSeconds: 30))
                #expect(claimed.task.attempts == attempt)
                let disposition = try await f.store.failTask(
                    taskId: claimed.task.id, worker: "w", error: error, retryable: true,
                    transitions: StoreBackend.transitions)
                if case .retrying(let at) = disposition {
                    delays.append(at.timeIntervalSince(f.time.current))
                    #expect(
                        try await f.store.claimTask(worker: "w", capabilities: [.cpu], leaseSeconds: 30) == nil,
                        "not before the backoff")
                    f.time.advance(by: at.timeIntervalSince(f.time.current))
                } else {
                    #expect(disposition == .jobFailed && attempt == 3)
                }
            }
            #expect(delays == [2, 4])
            let failed = try #require(try await f.store.job(id: job.id, organizationId: f.organization.id))
            #expect(failed.status == .failed && failed.error == error && failed.finishedAt != nil)
            #expect(try await f.store.queueSize() == 0)
        }
    }

    @Test(arguments: StoreBackend.all)
    func nonRetryableFailureFailsAtOnce(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            let (job, _, _) = try await f.job()
            let claimed = try #require(try await f.store.claimTask(worker: "w", capabilities: [.cpu], leaseSeconds: 30))
            let error = JobError(code: .unsupportedMedia, message: "not a video")
            #expect(
                try await f.store.failTask(
                    taskId: claimed.task.id, worker: "w", error: error, retryable: false,
                    transitions: StoreBackend.transitions) == .jobFailed)
            #expect(
                try await f.store.job(id: job.id, organizationId: f.organization.id)?.error?.code == .unsupportedMedia)
        }
    }

    @Test(arguments: StoreBackend.all)
    func aWorkerLostOnTheLastAttemptFailsTheJob(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            let (job, _, _) = try await f.job(maxAttempts: 1)
            _ = try #require(try await f.store.claimTask(worker: "ghost", capabilities: [.cpu], leaseSeconds: 10))
            f.time.advance(by: 11)
            #expect(try await f.store.claimTask(worker: "w", capabilities: [.cpu], leaseSeconds: 10) == nil)
            #expect(try await f.store.job(id: job.id, organizationId: f.organization.id)?.error?.code == .workerLost)
        }
    }

    @Test(arguments: StoreBackend.all)
    func releasedTasksAreClaimableAtOnceWithoutCountingAnAttempt(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            _ = try await f.job()
            let claimed = try #require(
                try await f.store.claimTask(worker: "w1", capabilities: [.cpu], leaseSeconds: 30))
            try await f.store.releaseTask(taskId: claimed.task.id, worker: "w1")
            let again = try #require(try await f.store.claimTask(worker: "w2", capabilities: [.cpu], leaseSeconds: 30))
            #expect(again.task.attempts == 1)
        }
    }

    @Test(arguments: StoreBackend.all)
    func renderTasksCarryTheJobToSuccessWithProgress(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            let (job, _, _) = try await f.job(clips: 2)
            let probe = try #require(try await f.store.claimTask(worker: "w", capabilities: [.cpu], leaseSeconds: 30))
            #expect(
                try await f.store.completeTask(
                    taskId: probe.task.id, worker: "w", outcome: TaskOutcome(), transitions: StoreBackend.transitions)
                    == .applied)
            let first = try #require(try await f.store.claimTask(worker: "w", capabilities: [.cpu], leaseSeconds: 30))
            try await f.store.reportProgress(
                taskId: first.task.id, stage: .render, fraction: 0.5, transitions: StoreBackend.transitions)
            let midway = try #require(try await f.store.job(id: job.id, organizationId: f.organization.id))
            #expect(abs(midway.progress - (0.05 + 0.95 * 0.25)) < 1e-9 && midway.stage == .render)
            try await f.store.reportProgress(
                taskId: first.task.id, stage: .render, fraction: 0.2, transitions: StoreBackend.transitions)
            #expect(
                try await f.store.job(id: job.id, organizationId: f.organization.id)?.progress == midway.progress,
                "progress never goes back")
            for (claimed, last) in [
                (first, false),
                (try #require(try await f.store.claimTask(worker: "w", capabilities: [.cpu], leaseSeconds: 30)), true),
            ] {
                let clip = Clip(
                    jobId: job.id, organizationId: f.organization.id, index: claimed.task.clipIndex!, name: nil,
                    start: 0, end: 1,
                    actualStart: 0, duration: 1, format: .mp4, modeUsed: .exact, fallbackReason: nil, size: 1,
                    sha256: "x",
                    blobKey: try BlobKey("clips/\(claimed.task.id)"), createdAt: f.time.current)
                #expect(
                    try await f.store.completeTask(
                        taskId: claimed.task.id, worker: "w", outcome: TaskOutcome(clips: [clip]),
                        transitions: StoreBackend.transitions) == (last ? .jobSucceeded : .applied))
            }
            let done = try #require(try await f.store.job(id: job.id, organizationId: f.organization.id))
            #expect(done.status == .succeeded && done.progress == 1)
            #expect(try await f.store.clips(jobId: job.id).map(\.index) == [0, 1])
        }
    }

    @Test(arguments: StoreBackend.all)
    func cancellingStopsWorkAndDiscardsLateResults(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            let (job, _, _) = try await f.job()
            let claimed = try #require(try await f.store.claimTask(worker: "w", capabilities: [.cpu], leaseSeconds: 30))
            #expect(try await f.store.cancelJob(id: job.id, organizationId: f.organization.id)?.status == .cancelled)
            #expect(try await f.store.heartbeat(taskId: claimed.task.id, worker: "w", leaseSeconds: 30) == .cancelled)
            #expect(
                try await f.store.completeTask(
                    taskId: claimed.task.id, worker: "w", outcome: TaskOutcome(), transitions: StoreBackend.transitions)
                    == .discarded)
            #expect(try await f.store.job(id: job.id, organizationId: f.organization.id)?.status == .cancelled)
        }
    }

    @Test(arguments: StoreBackend.all)
    func idempotencyKeyReturnsTheFirstJob(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            let (first, _, _) = try await f.job(key: "k-1")
            let (_, _, repeated) = try await f.job(key: "k-1")
            #expect(!repeated.created && repeated.job.id == first.id)
            #expect(try await f.store.queueSize() == 1)
        }
    }

    @Test(arguments: StoreBackend.all)
    func idempotencyKeysArePerUserPerRequestAndExpire(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            let (first, _, _) = try await f.job(key: "k-1")
            await #expect(throws: StoreError.idempotencyKeyReused) {
                try await f.job(key: "k-1", fingerprint: "other body")
            }
            let colleague = User(
                organizationId: f.organization.id, email: "c\(Identifier.make().prefix(6))@x.test", passwordHash: "h",
                role: .user, createdAt: f.time.current)
            try await f.store.createUser(colleague)
            let (_, _, theirs) = try await f.job(key: "k-1", owner: colleague.id)
            #expect(theirs.created && theirs.job.id != first.id, "another user's key of the same name is theirs")
            f.time.advance(by: 3601)
            let (_, _, later) = try await f.job(key: "k-1", fingerprint: "other body")
            #expect(later.created && later.job.id != first.id, "an expired key starts a new job")
            #expect(try await f.store.queueSize() == 3)
            let (_, _, again) = try await f.job(key: "k-1", fingerprint: "other body")
            #expect(!again.created && again.job.id == later.job.id)
        }
    }

    @Test(arguments: StoreBackend.all)
    func aTerminalStatusQueuesOneWebhookDeliveryThatIsLeasedRetriedAndListed(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            let (hooked, _, _) = try await f.job(webhookUrl: "https://hooks.example.com/clipgen")
            let (plain, _, _) = try await f.job()
            #expect(try await f.store.claimWebhookDelivery(lease: 60) == nil, "nothing before a terminal status")
            _ = try await f.store.cancelJob(id: hooked.id, organizationId: f.organization.id)
            _ = try await f.store.cancelJob(id: plain.id, organizationId: f.organization.id)
            let delivery = try #require(try await f.store.claimWebhookDelivery(lease: 60))
            #expect(
                delivery.jobId == hooked.id && delivery.url == "https://hooks.example.com/clipgen"
                    && delivery.state == .pending)
            #expect(delivery.event.isTerminal && delivery.event.status == .cancelled && delivery.attempts.isEmpty)
            #expect(
                try await f.store.claimWebhookDelivery(lease: 60) == nil,
                "leased to the first claimer; the plain job has none")
            let first = WebhookAttempt(number: 1, at: f.time.current, statusCode: 500, error: nil, durationSeconds: 0.1)
            try await f.store.recordWebhookAttempt(
                deliveryId: delivery.id, first, state: .pending, retryAt: f.time.current.addingTimeInterval(5))
            #expect(try await f.store.claimWebhookDelivery(lease: 60) == nil, "not due before its retry time")
            f.time.advance(by: 6)
            let again = try #require(try await f.store.claimWebhookDelivery(lease: 60))
            #expect(again.id == delivery.id && again.attempts == [first])
            let second = WebhookAttempt(
                number: 2, at: f.time.current, statusCode: 204, error: nil, durationSeconds: 0.05)
            try await f.store.recordWebhookAttempt(deliveryId: delivery.id, second, state: .delivered, retryAt: nil)
            f.time.advance(by: 3600)
            #expect(try await f.store.claimWebhookDelivery(lease: 60) == nil, "delivered is done")
            let listed = try await f.store.webhookDeliveries(jobId: hooked.id, organizationId: f.organization.id)
            #expect(listed.count == 1 && listed[0].state == .delivered && listed[0].attempts == [first, second])
            #expect(try await f.store.webhookDeliveries(jobId: hooked.id, organizationId: .make()).isEmpty)
            #expect(try await f.store.webhookDeliveries(jobId: plain.id, organizationId: f.organization.id).isEmpty)
            _ = try await f.store.deleteJob(id: hooked.id, organizationId: f.organization.id)
            #expect(try await f.store.webhookDeliveries(jobId: hooked.id, organizationId: f.organization.id).isEmpty)
        }
    }

    @Test(arguments: StoreBackend.all)
    func anOrganisationAndItsAdminAreMadeTogetherOrNotAtAll(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            let beta = Organization(name: "beta", createdAt: f.time.current)
            let admin = User(
                organizationId: beta.id, email: "boss\(Identifier.make().prefix(6))@beta.test", passwordHash: "h",
                role: .admin,
                createdAt: f.time.current)
            try await f.store.createOrganization(beta, admin: admin)
            #expect(try await f.store.users(organizationId: beta.id).map(\.id) == [admin.id])
            let gamma = Organization(name: "gamma", createdAt: f.time.current)
            // An admin that cannot be written (its id is taken) leaves no organisation behind.
            var taken = admin
            taken.organizationId = gamma.id
            await #expect(throws: (any Error).self) { try await f.store.createOrganization(gamma, admin: taken) }
            #expect(try await f.store.users(organizationId: gamma.id).isEmpty)
            // Nothing of gamma was written: a later admin of its own may still be made under that id.
            let later = User(
                organizationId: gamma.id, email: "later\(Identifier.make().prefix(6))@gamma.test", passwordHash: "h",
                role: .admin,
                createdAt: f.time.current)
            try await f.store.createOrganization(gamma, admin: later)
        }
    }

    @Test(arguments: StoreBackend.all)
    func serviceWideAuditEntriesAreApartAndOldEntriesArePrunedOldestFirst(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            for (index, organization) in [nil, f.organization.id, nil, f.organization.id].enumerated() {
                try await f.store.recordAudit(
                    AuditEvent(
                        organizationId: organization, actorUserId: nil, actorAPIKeyId: nil, action: "GET /v1/me",
                        target: nil, outcome: "unauthenticated", status: 401, address: "192.0.2.\(index)",
                        requestId: nil, at: f.time.current))
                f.time.advance(by: 60)
            }
            let service = try await f.store.auditEvents(
                organizationId: nil, filter: AuditFilter(), page: PageRequest(limit: 10)
            ).items
            #expect(service.map(\.address) == ["192.0.2.2", "192.0.2.0"])
            #expect(
                try await f.store.auditEvents(
                    organizationId: f.organization.id, filter: AuditFilter(), page: PageRequest()
                ).items.count == 2)
            let cutoff = f.time.current.addingTimeInterval(-90)
            let serviceWide = { (limit: Int) in
                try await f.store.expire(.audit, organizationId: nil, before: cutoff, sparing: [], limit: limit).rows
            }
            #expect(try await serviceWide(1) == 1, "batches are bounded")
            #expect(
                try await f.store.expire(
                    .audit, organizationId: f.organization.id, before: cutoff, sparing: [], limit: 100
                ).rows == 1, "an organisation's expiry reaches its own entries only")
            #expect(try await serviceWide(100) == 1)
            #expect(
                try await f.store.auditEvents(organizationId: nil, filter: AuditFilter(), page: PageRequest()).items
                    .isEmpty)
            #expect(
                try await f.store.auditEvents(
                    organizationId: f.organization.id, filter: AuditFilter(), page: PageRequest()
                ).items.map(\.address)
                    == ["192.0.2.3"])
        }
    }

    @Test(arguments: StoreBackend.all)
    func theAuditLogFiltersAndPagesNewestFirstWithinTheOrganisation(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            let org = f.organization.id
            for (index, (action, outcome)) in [
                ("POST /v1/jobs", "success"), ("DELETE /v1/jobs/{id}", "denied"), ("POST /v1/uploads", "success"),
                ("POST /v1/jobs/{id}/cancel", "success"),
            ].enumerated() {
                try await f.store.recordAudit(
                    AuditEvent(
                        organizationId: org, actorUserId: index == 1 ? nil : f.user.id, actorAPIKeyId: nil,
                        action: action, target: "job:\(index)", outcome: outcome,
                        status: outcome == "denied" ? 403 : 200,
                        address: "10.0.0.\(index)", requestId: "r\(index)", at: f.time.current))
                f.time.advance(by: 10)
            }
            try await f.store.recordAudit(
                AuditEvent(
                    organizationId: .make(), actorUserId: nil, actorAPIKeyId: nil, action: "POST /v1/jobs",
                    target: nil, outcome: "success", status: 202, address: nil, requestId: "other", at: f.time.current))
            try await f.store.recordAudit(
                AuditEvent(
                    organizationId: nil, actorUserId: nil, actorAPIKeyId: nil, action: "POST /v1/auth/token",
                    target: nil, outcome: "unauthenticated", status: 401, address: nil, requestId: "anon",
                    at: f.time.current))
            let all = try await f.store.auditEvents(
                organizationId: org, filter: AuditFilter(), page: PageRequest(limit: 10))
            #expect(all.items.map(\.requestId) == ["r3", "r2", "r1", "r0"] && all.nextCursor == nil)
            #expect(
                all.items.first?.address == "10.0.0.3" && all.items.first?.target == "job:3"
                    && all.items.first?.status == 200)
            let jobs = try await f.store.auditEvents(
                organizationId: org, filter: AuditFilter(actionPrefix: "POST /v1/jobs"), page: PageRequest())
            #expect(jobs.items.map(\.requestId) == ["r3", "r0"])
            let denied = try await f.store.auditEvents(
                organizationId: org, filter: AuditFilter(outcome: "denied"), page: PageRequest())
            #expect(denied.items.map(\.requestId) == ["r1"])
            let mine = try await f.store.auditEvents(
                organizationId: org, filter: AuditFilter(actorUserId: f.user.id), page: PageRequest())
            #expect(mine.items.count == 3)
            let window = AuditFilter(from: all.items[2].at, to: all.items[0].at)
            #expect(
                try await f.store.auditEvents(organizationId: org, filter: window, page: PageRequest()).items.map(
                    \.requestId) == ["r2", "r1"])
            let first = try await f.store.auditEvents(
                organizationId: org, filter: AuditFilter(), page: PageRequest(limit: 3))
            let cursor = try #require(first.nextCursor)
            let second = try await f.store.auditEvents(
                organizationId: org, filter: AuditFilter(), page: PageRequest(limit: 3, cursor: cursor))
            #expect(
                first.items.map(\.requestId) == ["r3", "r2", "r1"] && second.items.map(\.requestId) == ["r0"]
                    && second.nextCursor == nil)
            await #expect(throws: StoreError.invalidCursor) {
                try await f.store.auditEvents(
                    organizationId: org, filter: AuditFilter(), page: PageRequest(cursor: "x"))
            }
        }
    }

    @Test(arguments: StoreBackend.all)
    func quotasAreKeptPerOrganisationAndUsageCountsActiveJobsAndStoredBytesOnce(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            let org = f.organization.id
            #expect(try await f.store.quotas(organizationId: org) == OrganizationQuotas())
            #expect(try await f.store.quotas(organizationId: .make()) == nil)
            #expect(
                try await f.store.setQuotas(
                    OrganizationQuotas(concurrentJobs: 3, storedBytes: 1000, uploadBytes: nil), organizationId: org))
            #expect(
                try await f.store.quotas(organizationId: org)
                    == OrganizationQuotas(concurrentJobs: 3, storedBytes: 1000))
            #expect(try await f.store.setQuotas(OrganizationQuotas(), organizationId: .make()) == false)
            let (running, _, _) = try await f.job()
            let (cancelled, _, _) = try await f.job()
            _ = try await f.store.cancelJob(id: cancelled.id, organizationId: org)
            _ = running
            let key = try BlobKey("uploads/shared")
            for _ in 0..<2 {
                _ = try await f.store.createUpload(
                    Upload(
                        organizationId: org, ownerId: f.user.id, filename: "a", size: 100, sha256: "same",
                        blobKey: key, createdAt: f.time.current))
            }
            _ = try await f.store.createUpload(
                Upload(
                    organizationId: org, ownerId: f.user.id, filename: "b", size: 50, sha256: "other",
                    blobKey: try BlobKey("uploads/other"), createdAt: f.time.current))
            #expect(
                try await f.store.usage(organizationId: org) == OrganizationUsage(activeJobs: 1, storedBytes: 150),
                "the same bytes counted once")
            #expect(
                try await f.store.usage(organizationId: .make()) == OrganizationUsage(activeJobs: 0, storedBytes: 0))
        }
    }

    @Test(arguments: StoreBackend.all)
    func theFirstWebhookSecretWinsAndRotationReplacesIt(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            let none = try await f.store.webhookSecret(organizationId: f.organization.id)
            #expect(none == nil)
            #expect(
                try await f.store.setWebhookSecret("a", organizationId: f.organization.id, onlyIfUnset: true) == "a")
            #expect(
                try await f.store.setWebhookSecret("b", organizationId: f.organization.id, onlyIfUnset: true) == "a",
                "a racer keeps the first")
            #expect(
                try await f.store.setWebhookSecret("c", organizationId: f.organization.id, onlyIfUnset: false) == "c")
            #expect(try await f.store.webhookSecret(organizationId: f.organization.id) == "c")
        }
    }

    @Test(arguments: StoreBackend.all)
    func apiKeysAreStoredListedRevokedAndTouched(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            let first = APIKey(
                organizationId: f.organization.id, userId: f.user.id, name: "ci", role: .user, secretHash: "aa",
                createdAt: f.time.current)
            try await f.store.createAPIKey(first)
            f.time.advance(by: 1)
            let colleague = User(
                organizationId: f.organization.id, email: "k\(Identifier.make().prefix(6))@x.test", passwordHash: "h",
                role: .viewer, createdAt: f.time.current)
            try await f.store.createUser(colleague)
            let second = APIKey(
                organizationId: f.organization.id, userId: colleague.id, name: "dash", role: .viewer, secretHash: "bb",
                createdAt: f.time.current)
            try await f.store.createAPIKey(second)
            #expect(try await f.store.apiKey(id: first.id) == first)
            #expect(
                try await f.store.apiKeys(organizationId: f.organization.id, userId: nil).map(\.id) == [
                    second.id, first.id,
                ])
            #expect(
                try await f.store.apiKeys(organizationId: f.organization.id, userId: colleague.id).map(\.id) == [
                    second.id
                ])
            #expect(try await f.store.apiKeys(organizationId: .make(), userId: nil).isEmpty)
            #expect(
                try await f.store.revokeAPIKey(id: first.id, organizationId: .make(), at: f.time.current) == false,
                "another organisation's")
            #expect(try await f.store.revokeAPIKey(id: first.id, organizationId: f.organization.id, at: f.time.current))
            let revokedAt = try #require(try await f.store.apiKey(id: first.id)?.revokedAt)
            f.time.advance(by: 5)
            _ = try await f.store.revokeAPIKey(id: first.id, organizationId: f.organization.id, at: f.time.current)
            #expect(
                try await f.store.apiKey(id: first.id)?.revokedAt == revokedAt, "revoking again keeps the first time")
            try await f.store.touchAPIKey(id: second.id, at: f.time.current)
            #expect(try await f.store.apiKey(id: second.id)?.lastUsedAt == f.time.current)
            #expect(try await f.store.apiKey(id: .make()) == nil)
        }
    }

    @Test(arguments: StoreBackend.all)
    func usersCanBeDisabledAndTheirTokensVoided(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            var user = try #require(try await f.store.user(id: f.user.id))
            #expect(!user.disabled && user.tokenVersion == 0)
            user.disabled = true
            user.tokenVersion = 3
            user.passwordHash = "h2"
            user.role = .viewer
            #expect(try await f.store.updateUser(user))
            let stored = try #require(try await f.store.user(id: f.user.id))
            #expect(
                stored.disabled && stored.tokenVersion == 3 && stored.passwordHash == "h2" && stored.role == .viewer)
            #expect(try await f.store.user(email: user.email)?.disabled == true)
            var ghost = user
            ghost.id = .make()
            #expect(try await f.store.updateUser(ghost) == false)
        }
    }

    @Test(arguments: StoreBackend.all)
    func noReadCrossesOrganisations(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            let (job, _, _) = try await f.job()
            let other = OrganizationID.make()
            #expect(try await f.store.job(id: job.id, organizationId: other) == nil)
            #expect(try await f.store.cancelJob(id: job.id, organizationId: other) == nil)
            #expect(try await f.store.deleteJob(id: job.id, organizationId: other) == nil)
            #expect(try await f.store.jobs(organizationId: other, status: nil, page: PageRequest()).items.isEmpty)
        }
    }

    @Test(arguments: StoreBackend.all)
    func listsPageNewestFirst(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            var ids: [JobID] = []
            for _ in 0..<5 {
                ids.append(try await f.job().0.id)
                f.time.advance(by: 1)
            }
            var seen: [JobID] = []
            var cursor: String?
            repeat {
                let page = try await f.store.jobs(
                    organizationId: f.organization.id, status: nil, page: PageRequest(limit: 2, cursor: cursor))
                seen += page.items.map(\.id)
                cursor = page.nextCursor
            } while cursor != nil
            #expect(seen == ids.reversed())
            await #expect(throws: StoreError.invalidCursor) {
                try await f.store.jobs(
                    organizationId: f.organization.id, status: nil, page: PageRequest(cursor: "nonsense"))
            }
        }
    }

    @Test(arguments: StoreBackend.all)
    func replicasBootstrappingTogetherMakeOneAdmin(backend: StoreBackend) async throws {
        try await withTemporaryDirectory { dir in
            let (clock, _) = WallClock.manual()
            let store = try await backend.make(dir, clock)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await store.run() }
                defer { group.cancelAll() }
                try await store.prepare()
                let wins = try await withThrowingTaskGroup(of: Bool.self) { racers in
                    for _ in 0..<6 {
                        racers.addTask {
                            let organization = Organization(name: "default", createdAt: clock.now())
                            let admin = User(
                                organizationId: organization.id, email: "admin@localhost", passwordHash: "h",
                                role: .admin, createdAt: clock.now())
                            return try await store.createFirstAdmin(admin, in: organization)
                        }
                    }
                    return try await racers.reduce(0) { $0 + ($1 ? 1 : 0) }
                }
                #expect(wins == 1)
                #expect(try await store.userCount() == 1)
                let admin = try #require(try await store.user(email: "admin@localhost"))
                #expect(try await store.users(organizationId: admin.organizationId).count == 1)
            }
        }
    }

    @Test(arguments: StoreBackend.all)
    func emailsAreUniquePerOrganisation(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            var copy = f.user
            copy.id = .make()
            copy.email = copy.email.uppercased()
            await #expect(throws: StoreError.self) { try await f.store.createUser(copy) }
            let elsewhere = Organization(name: "other", createdAt: f.time.current)
            try await f.store.createOrganization(elsewhere)
            f.time.advance(by: 1)
            copy.organizationId = elsewhere.id
            copy.createdAt = f.time.current
            copy.passwordHash = "$2b$06$abc"
            try await f.store.createUser(copy)
            #expect(
                try await f.store.users(email: f.user.email.uppercased()).map(\.id) == [f.user.id, copy.id],
                "every organisation's, oldest first")
            #expect(try await f.store.users(email: "nobody@x.test").isEmpty)
            let admin = User(
                organizationId: elsewhere.id, email: "boss@x.test", passwordHash: "$2b$06$def", role: .admin,
                createdAt: f.time.current)
            try await f.store.createOrganization(Organization(name: "third", createdAt: f.time.current), admin: admin)
            #expect(try await f.store.passwordHashCosts() == [6: 2], "the fixture's hash is no bcrypt hash")
        }
    }

    /// Uploads streaming in, imports downloading and jobs' expected clips hold room in their
    /// organisation's storage: counted in its usage and decided atomically against its limit.
    @Test(arguments: StoreBackend.all)
    func storageReservationsHoldRoomUntilTheirBytesLandOrTheirJobEnds(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            let org = f.organization.id
            let later = f.time.current.addingTimeInterval(3600)
            func usage() async throws -> Int64 { try await f.store.usage(organizationId: org).storedBytes }
            let uploadId = UploadID.make()
            let upload = StorageReservation(
                id: StorageReservation.uploadID(uploadId), organizationId: org, bytes: 300, expiresAt: later)
            #expect(try await f.store.reserveStorage(upload, limit: 1000))
            #expect(try await usage() == 300)
            var grown = upload
            grown.bytes = 900
            #expect(try await f.store.reserveStorage(grown, limit: 1000), "growing counts the reservation once")
            #expect(
                try await f.store.reserveStorage(
                    StorageReservation(id: "other", organizationId: org, bytes: 101, expiresAt: later), limit: 1000)
                    == false)
            #expect(try await usage() == 900, "a refusal changes nothing")
            #expect(
                try await f.store.reserveStorage(
                    StorageReservation(id: "unlimited", organizationId: org, bytes: 5000, expiresAt: later), limit: nil)
            )
            try await f.store.releaseStorage(id: "unlimited")
            // The upload's row takes over from its reservation.
            _ = try await f.store.createUpload(
                Upload(
                    id: uploadId, organizationId: org, ownerId: f.user.id, filename: "a", size: 850, sha256: "s",
                    blobKey: try BlobKey("uploads/\(uploadId)"), createdAt: f.time.current))
            #expect(try await usage() == 850)
            // A job's expected clips count while it runs, less the clips it stored.
            let (job, _, _) = try await f.job(clips: 1)
            #expect(
                try await f.store.reserveStorage(
                    StorageReservation(
                        id: StorageReservation.jobID(job.id), organizationId: org, jobId: job.id,
                        bytes: 100, expiresAt: later), limit: 1000))
            #expect(try await usage() == 950)
            let probe = try #require(try await f.store.claimTask(worker: "w", capabilities: [.cpu], leaseSeconds: 30))
            _ = try await f.store.completeTask(
                taskId: probe.task.id, worker: "w", outcome: TaskOutcome(), transitions: StoreBackend.transitions)
            let claimed = try #require(try await f.store.claimTask(worker: "w", capabilities: [.cpu], leaseSeconds: 30))
            var clip = Clip(
                jobId: job.id, organizationId: org, index: 0, name: nil, start: 0, end: 1, actualStart: 0, duration: 1,
                format: .mp4,
                modeUsed: .exact, fallbackReason: nil, size: 40, sha256: "x", blobKey: try BlobKey("clips/c"),
                createdAt: f.time.current)
            clip.renditions = [
                ClipRendition(
                    index: 0, format: .webm, encoder: "libvpx-vp9", width: 320, height: 180, duration: 1, size: 25,
                    bitrate: 200, sha256: "y", blobKey: try BlobKey("clips/c-r0"))
            ]
            #expect(
                try await f.store.completeTask(
                    taskId: claimed.task.id, worker: "w", outcome: TaskOutcome(clips: [clip]),
                    transitions: StoreBackend.transitions) == .jobSucceeded)
            #expect(try await f.store.clips(jobId: job.id).first?.renditions == clip.renditions)
            #expect(
                try await usage() == 915,
                "the clip counts itself and its rendition; the finished job holds nothing more")
            // Expired reservations stop counting (a server killed mid-upload releases nothing).
            #expect(
                try await f.store.reserveStorage(
                    StorageReservation(id: "abandoned", organizationId: org, bytes: 80, expiresAt: later), limit: 1000)
            )
            f.time.advance(by: 3601)
            #expect(try await usage() == 915)
            #expect(try await f.store.usage(organizationId: .make()).storedBytes == 0)
        }
    }

    @Test(arguments: StoreBackend.all)
    func reservationsMadeAtOnceNeverOverfillTheRoom(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            let org = f.organization.id
            let later = f.time.current.addingTimeInterval(3600)
            let granted = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        try await f.store.reserveStorage(
                            StorageReservation(id: "r\(index)", organizationId: org, bytes: 100, expiresAt: later),
                            limit: 1000)
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(granted == 10)
            #expect(try await f.store.usage(organizationId: org).storedBytes == 1000)
        }
    }
}
