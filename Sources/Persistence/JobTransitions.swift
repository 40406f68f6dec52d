import ClipGenCore
import Foundation

/// The job state machine, written once: from a job read under its lock to the change a store
/// writes. It decides what a finished task produces, what follows it (through `JobWorkflow`),
/// the job's stage and progress, retries and failure, the last task succeeding the job, and
/// which events and webhook deliveries go with each change. Pure: no I/O, the time comes with
/// the snapshot. Stores only lock, read and apply (`TaskQueue.changeJob`). The transitions
/// that need no workflow (a claim, a cancel, a vanished worker) are static, for stores to use
/// inside their own transactions.
public struct JobTransitions: Sendable {
    public var workflow: JobWorkflow

    public init(workflow: JobWorkflow = JobWorkflow()) {
        self.workflow = workflow
    }

    /// A new job's `queued` event, written with the job and its first task.
    public static func created(_ job: Job, at now: Date) -> JobChange {
        var change = JobChange()
        change.events = [JobEvent(type: .status, job: job, at: now)]
        return change
    }

    /// A task of the job was just leased (`task` with its attempt counted): the job runs.
    public static func claimed(_ snapshot: JobSnapshot, task: TaskRecord) -> JobChange {
        var job = snapshot.job
        let wasQueued = job.status == .queued
        job.status = .running
        job.startedAt = job.startedAt ?? snapshot.now
        job.attempts = max(job.attempts, task.attempts)
        var change = JobChange(job: job)
        if wasQueued { change.events = [JobEvent(type: .status, job: job, at: snapshot.now)] }
        return change
    }

    /// A running task's progress (0…1, never backwards) and the stage its worker reports.
    public func progressed(_ snapshot: JobSnapshot, taskId: TaskID, stage: JobStage, fraction: Double) -> JobChange {
        guard let task = snapshot.tasks.first(where: { $0.record.id == taskId }), task.status == .leased else {
            return .none
        }
        let progress = max(task.progress, min(max(fraction, 0), 1))
        var change = JobChange()
        change.tasks = [TaskChange(id: taskId, status: .leased, progress: progress)]
        var tasks = snapshot.tasks
        tasks[tasks.firstIndex { $0.record.id == taskId }!].progress = progress
        refresh(snapshot.job, tasks: tasks, stage: stage, at: snapshot.now, into: &change)
        return change
    }

    /// A task's results, applied: what it produced, the tasks that follow it, and the job
    /// succeeded when none is left. Discarded (nothing written) unless `worker` still holds the
    /// task's lease and the job is running.
    public func completed(_ snapshot: JobSnapshot, taskId: TaskID, worker: String, outcome: TaskOutcome) -> (
        JobChange, CompletionResult
    ) {
        guard let finished = snapshot.tasks.first(where: { $0.record.id == taskId }), finished.status == .leased,
            finished.leaseOwner == worker, snapshot.job.status == .running
        else { return (.none, .discarded) }
        let now = snapshot.now
        var job = snapshot.job
        var change = JobChange()
        change.tasks = [TaskChange(id: taskId, status: .done, progress: 1, finishedAt: now)]
        if let upload = outcome.importedUpload {
            change.upload = upload
            job.uploadId = upload.id
            change.releasedReservations = [StorageReservation.importID(job.id)]
        }
        if let media = outcome.media {
            change.documents.media = media
            job.source = media.sourceInfo
        }
        if let storyboard = outcome.storyboard {
            change.documents.storyboard = storyboard
            job.storyboard = storyboard
        }
        if let analysis = outcome.analysis {
            change.analysis = analysis
            change.documents.highlights = analysis.highlights
            job.highlights = analysis.highlights
        }
        change.qualities = outcome.qualities
        change.clips = outcome.clips.map { clip in
            var stored = clip
            stored.createdAt = now
            return stored
        }
        change.events = change.clips.map { JobEvent(type: .clip, job: job, clip: $0, at: now) }
        if let (highlights, seconds) = outcome.preliminaryHighlights {
            var event = JobEvent(type: .highlights, job: job, at: now)
            (event.highlights, event.analysedSeconds) = (highlights, seconds)
            change.events.append(event)
        }
        // Segments finish in any order, each under the job's lock: the last one sees none left.
        let isSegment = finished.record.kind == .segment || finished.record.kind == .speechSegment
        let segments = snapshot.tasks.filter { $0.record.kind == finished.record.kind }
        change.newTasks = workflow.nextTasks(
            after: finished.record, of: job, highlights: outcome.analysis?.highlights.count ?? 0,
            clips: outcome.clips.map(\.index),
            segments: isSegment ? segments.count : outcome.segments,
            unfinishedSegments: segments.filter { $0.status != .done && $0.record.id != taskId }.count)

        var tasks = snapshot.tasks
        tasks[tasks.firstIndex { $0.record.id == taskId }!].status = .done
        tasks += change.newTasks.map { TaskState(record: $0, status: .queued, progress: 0, leaseOwner: nil) }
        guard tasks.allSatisfy({ $0.status == .done }) else {
            change.job = job
            refresh(
                job, tasks: tasks,
                stage: workflow.stage(after: finished.record.kind, of: job, segments: outcome.segments), at: now,
                into: &change)
            return (change, .applied)
        }
        job.status = .succeeded
        job.stage = .done
        job.progress = 1
        job.finishedAt = now
        change.job = job
        Self.announce(.status, job, at: now, into: &change)
        return (change, .jobSucceeded)
    }

    /// A task's attempt failed: retried after the workflow's backoff while attempts remain and
    /// `retryable`, else the job fails. Discarded unless `worker` still holds the lease.
    public func failed(_ snapshot: JobSnapshot, taskId: TaskID, worker: String, error: JobError, retryable: Bool)
        -> (JobChange, FailureDisposition)
    {
        guard let task = snapshot.tasks.first(where: { $0.record.id == taskId }), task.status == .leased,
            task.leaseOwner == worker
        else { return (.none, .discarded) }
        guard
            let delay = workflow.retry.delay(
                afterAttempt: task.record.attempts, maxAttempts: task.record.maxAttempts, retryable: retryable)
        else { return (Self.failJob(snapshot, taskId: taskId, error: error), .jobFailed) }
        let retryAt = snapshot.now.addingTimeInterval(delay)
        var change = JobChange()
        change.tasks = [TaskChange(id: taskId, status: .queued, progress: 0, availableAt: retryAt, error: error)]
        change.events = [JobEvent(type: .error, job: snapshot.job, error: error, at: snapshot.now)]
        return (change, .retrying(at: retryAt))
    }

    /// The worker holding a task's last attempt vanished (its lease expired): the job fails.
    public static func abandoned(_ snapshot: JobSnapshot, taskId: TaskID) -> JobChange {
        failJob(snapshot, taskId: taskId, error: .workerLost)
    }

    /// A client cancelled the job: it and its unfinished tasks end, unless it already ended.
    public static func cancelled(_ snapshot: JobSnapshot) -> JobChange {
        guard !snapshot.job.status.isTerminal else { return .none }
        var job = snapshot.job
        job.status = .cancelled
        job.finishedAt = snapshot.now
        var change = JobChange(job: job)
        change.tasks = unfinished(snapshot.tasks, except: nil).map {
            TaskChange(id: $0.record.id, status: .cancelled, progress: $0.progress)
        }
        announce(.status, job, at: snapshot.now, into: &change)
        return change
    }

    /// The task fails and, unless the job already ended, the job with it: an `error` event, then
    /// its one terminal `status` event. Its other unfinished tasks are cancelled.
    private static func failJob(_ snapshot: JobSnapshot, taskId: TaskID, error: JobError) -> JobChange {
        var change = JobChange()
        let progress = snapshot.tasks.first { $0.record.id == taskId }?.progress ?? 0
        change.tasks =
            [TaskChange(id: taskId, status: .failed, progress: progress, error: error)]
            + unfinished(snapshot.tasks, except: taskId).map {
                TaskChange(id: $0.record.id, status: .cancelled, progress: $0.progress)
            }
        guard snapshot.job.status == .queued || snapshot.job.status == .running else { return change }
        var job = snapshot.job
        job.status = .failed
        job.error = error
        job.finishedAt = snapshot.now
        change.job = job
        change.events = [JobEvent(type: .error, job: job, error: error, at: snapshot.now)]
        announce(.status, job, at: snapshot.now, into: &change)
        return change
    }

    private static func unfinished(_ tasks: [TaskState], except taskId: TaskID?) -> [TaskState] {
        tasks.filter { ($0.status == .queued || $0.status == .leased) && $0.record.id != taskId }
    }

    /// The job's progress from its tasks as the workflow weighs them (never backwards) and its
    /// stage (nil keeps it); a `progress` event when either changed. Only a running job moves.
    private func refresh(_ job: Job, tasks: [TaskState], stage: JobStage?, at now: Date, into change: inout JobChange) {
        guard job.status == .running else { return }
        let weighed = tasks.map { TaskProgress(kind: $0.record.kind, fraction: $0.status == .done ? 1 : $0.progress) }
        var moved = job
        moved.progress = max(job.progress, workflow.progress(of: weighed))
        moved.stage = stage ?? job.stage
        guard moved.progress != job.progress || moved.stage != job.stage else { return }
        change.job = moved
        change.events.append(JobEvent(type: .progress, job: moved, at: now))
    }

    /// An event, and for a terminal one of a job with a webhook URL, its delivery.
    private static func announce(_ type: JobEvent.Kind, _ job: Job, at now: Date, into change: inout JobChange) {
        let event = JobEvent(type: type, job: job, at: now)
        change.events.append(event)
        if event.isTerminal, let url = job.request.webhookUrl {
            change.webhook = WebhookDelivery(
                id: Identifier.make(), organizationId: job.organizationId, jobId: job.id, url: url, event: event,
                state: .pending, attempts: [], createdAt: now)
        }
    }
}
