import ClipGenCore
import Foundation
import Persistence
import Testing

/// The job state machine on its own: snapshots in, changes out, no store.
@Suite struct JobTransitionsTests {
    let transitions = JobTransitions(workflow: JobWorkflow(retry: RetryPolicy(maxAttempts: 2, baseSeconds: 5)))
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func job(clips: Int = 2, thumbnails: Bool = true, webhook: String? = nil, status: JobStatus = .running) -> Job {
        var request = JobRequest(
            source: .init(uploadId: .make()), clips: (0..<clips).map { .init(start: Double($0), end: Double($0) + 1) })
        request.thumbnails = ThumbnailOptions(enabled: thumbnails)
        request.quality = false
        request.webhookUrl = webhook
        var job = Job(organizationId: "o", ownerId: "u", request: request, createdAt: now)
        job.status = status
        return job
    }

    func task(
        _ job: Job, _ kind: TaskKind, _ status: TaskState.Status, owner: String? = "w", attempts: Int = 1,
        clip: Int? = nil
    ) -> TaskState {
        TaskState(
            record: TaskRecord(jobId: job.id, kind: kind, clipIndex: clip, attempts: attempts, maxAttempts: 2),
            status: status,
            progress: 0, leaseOwner: status == .leased ? owner : nil)
    }

    @Test func aFinishedProbeQueuesWhatTheWorkflowSaysAndMovesTheStage() {
        let job = job()
        let probe = task(job, .probe, .leased)
        let media = MediaInfo(
            duration: 10, startTime: 0, formatName: "mp4", video: nil, audio: [], keyframeTimes: [0, 2])
        let (change, result) = transitions.completed(
            JobSnapshot(job: job, tasks: [probe], now: now), taskId: probe.record.id, worker: "w",
            outcome: TaskOutcome(media: media))
        #expect(result == .applied)
        #expect(
            change.newTasks.map(\.kind) == [.render, .thumbnails, .render]
                && change.newTasks.map(\.clipIndex) == [0, nil, 1])
        #expect(change.newTasks.allSatisfy { $0.maxAttempts == 2 }, "the workflow's retry policy")
        #expect(change.tasks == [TaskChange(id: probe.record.id, status: .done, progress: 1, finishedAt: now)])
        #expect(change.job?.stage == .render && change.job?.progress == 0.05 && change.job?.source == media.sourceInfo)
        #expect(change.documents.media == media)
        #expect(change.events.map(\.type) == [.progress] && change.webhook == nil)
    }

    @Test func theLastTaskSucceedsTheJobWithOneTerminalEventAndItsWebhook() {
        let job = job(clips: 1, thumbnails: false, webhook: "https://hooks.example/x")
        let done = task(job, .probe, .done)
        let render = task(job, .render, .leased, clip: 0)
        let clip = Clip(
            jobId: job.id, organizationId: "o", index: 0, name: nil, start: 0, end: 1, actualStart: 0, duration: 1,
            format: .mp4,
            modeUsed: .exact, fallbackReason: nil, size: 1, sha256: "x", blobKey: try! BlobKey("clips/0"),
            createdAt: .distantPast)
        let (change, result) = transitions.completed(
            JobSnapshot(job: job, tasks: [done, render], now: now), taskId: render.record.id,
            worker: "w", outcome: TaskOutcome(clips: [clip]))
        #expect(result == .jobSucceeded)
        #expect(
            change.job?.status == .succeeded && change.job?.stage == .done && change.job?.progress == 1
                && change.job?.finishedAt == now)
        #expect(change.clips.map(\.createdAt) == [now], "a clip is stored at the store's time")
        #expect(change.events.map(\.type) == [.clip, .status] && change.events.filter(\.isTerminal).count == 1)
        #expect(change.webhook?.url == "https://hooks.example/x" && change.webhook?.event == change.events.last)
    }

    @Test func aResultIsDiscardedUnlessItsWorkerHoldsTheLeaseOfARunningJob() {
        let running = job()
        let cancelled = job(status: .cancelled)
        let mine = task(running, .probe, .leased)
        let theirs = task(running, .probe, .leased, owner: "other")
        #expect(
            transitions.completed(
                JobSnapshot(job: running, tasks: [theirs], now: now), taskId: theirs.record.id, worker: "w",
                outcome: TaskOutcome()
            ).1 == .discarded)
        #expect(
            transitions.completed(
                JobSnapshot(job: cancelled, tasks: [mine], now: now), taskId: mine.record.id, worker: "w",
                outcome: TaskOutcome()
            ).1 == .discarded)
        let (change, disposition) = transitions.failed(
            JobSnapshot(job: running, tasks: [theirs], now: now), taskId: theirs.record.id,
            worker: "w", error: .workerLost, retryable: true)
        #expect(disposition == .discarded && change.job == nil && change.tasks.isEmpty && change.events.isEmpty)
    }

    @Test func aFailedAttemptIsRetriedAfterTheBackoffThenFailsTheJobAndCancelsTheRest() {
        let job = job(webhook: "https://hooks.example/x")
        let error = JobError(code: .renderFailed, message: "boom")
        let first = task(job, .render, .leased, attempts: 1, clip: 0)
        let sibling = task(job, .render, .queued, clip: 1)
        let (retry, retrying) = transitions.failed(
            JobSnapshot(job: job, tasks: [first, sibling], now: now), taskId: first.record.id,
            worker: "w", error: error, retryable: true)
        #expect(retrying == .retrying(at: now.addingTimeInterval(5)))
        #expect(
            retry.tasks == [
                TaskChange(
                    id: first.record.id, status: .queued, progress: 0, availableAt: now.addingTimeInterval(5),
                    error: error)
            ])
        #expect(retry.job == nil && retry.events.map(\.type) == [.error] && retry.webhook == nil)

        let last = task(job, .render, .leased, attempts: 2, clip: 0)
        let (fail, failed) = transitions.failed(
            JobSnapshot(job: job, tasks: [last, sibling], now: now), taskId: last.record.id,
            worker: "w", error: error, retryable: true)
        #expect(failed == .jobFailed)
        #expect(fail.tasks.map(\.status) == [.failed, .cancelled])
        #expect(fail.job?.status == .failed && fail.job?.error == error && fail.job?.finishedAt == now)
        #expect(fail.events.map(\.type) == [.error, .status] && fail.webhook?.event.status == .failed)
    }

    @Test func progressNeverGoesBackAndOnlyAChangeIsAnEvent() {
        var job = job(clips: 1, thumbnails: false)
        job.stage = .render
        job.progress = 0.05 + 0.95 * 0.5
        var render = task(job, .render, .leased, clip: 0)
        render.progress = 0.5
        let done = task(job, .probe, .done)
        let back = transitions.progressed(
            JobSnapshot(job: job, tasks: [done, render], now: now), taskId: render.record.id, stage: .render,
            fraction: 0.2)
        #expect(back.tasks.map(\.progress) == [0.5] && back.events.isEmpty)
        let forward = transitions.progressed(
            JobSnapshot(job: job, tasks: [done, render], now: now), taskId: render.record.id, stage: .render,
            fraction: 0.8)
        #expect(forward.tasks.map(\.progress) == [0.8])
        #expect(
            abs((forward.job?.progress ?? 0) - (0.05 + 0.95 * 0.8)) < 1e-9 && forward.events.map(\.type) == [.progress])
    }

    @Test func aClaimRunsTheJobAndOnlyTheFirstIsAnEvent() {
        let queued = job(status: .queued)
        let leased = TaskRecord(jobId: queued.id, kind: .probe, attempts: 1, maxAttempts: 2)
        let first = JobTransitions.claimed(JobSnapshot(job: queued, tasks: [], now: now), task: leased)
        #expect(
            first.job?.status == .running && first.job?.startedAt == now && first.job?.attempts == 1
                && first.job?.stage == queued.stage)
        #expect(first.events.map(\.status) == [.running])
        let later = JobTransitions.claimed(
            JobSnapshot(job: first.job!, tasks: [], now: now.addingTimeInterval(9)), task: leased)
        #expect(later.job?.startedAt == now && later.events.isEmpty)
    }

    @Test func aCancelEndsOnlyAJobThatIsStillGoing() {
        let running = job()
        let queued = task(running, .render, .queued, clip: 0)
        let done = task(running, .probe, .done)
        let change = JobTransitions.cancelled(JobSnapshot(job: running, tasks: [done, queued], now: now))
        #expect(
            change.job?.status == .cancelled && change.tasks.map(\.status) == [.cancelled]
                && change.events.map(\.status) == [.cancelled])
        let again = JobTransitions.cancelled(JobSnapshot(job: change.job!, tasks: [done], now: now))
        #expect(again.job == nil && again.events.isEmpty)
    }
}
