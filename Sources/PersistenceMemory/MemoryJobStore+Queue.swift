import ClipGenCore
import Foundation
import Persistence
import Synchronization

extension MemoryJobStore {
    public func claimTask(worker: String, capabilities: [Capability], leaseSeconds: Double) async throws -> ClaimedTask? {
        let now = self.now, workflow = self.workflow
        return state.withLock { state in
            Self.failAbandonedTasks(&state, now: now)
            let runnable = state.tasks.values.filter { task in
                capabilities.contains(task.record.capability)
                    && ((task.status == .queued && task.availableAt <= now) || (task.status == .leased && (task.leaseExpiresAt ?? 0) <= now))
            }
            guard let next = runnable.min(by: { ($0.availableAt, $0.createdAt, $0.order) < ($1.availableAt, $1.createdAt, $1.order) }),
                  var job = state.jobs[next.record.jobId] else { return nil }
            var task = next
            task.status = .leased
            task.leaseOwner = worker
            task.leaseExpiresAt = now + leaseSeconds
            task.startedAt = now
            task.record.attempts += 1
            state.tasks[task.record.id] = task
            let before = job
            job.status = .running
            job.startedAt = job.startedAt ?? Date(timeIntervalSince1970: now)
            job.attempts = max(job.attempts, task.record.attempts)
            job.stage = workflow.stage(whileRunning: task.record.kind, from: job.stage)
            state.jobs[job.id] = job
            if before.status != job.status {
                state.record(.status, jobId: job.id, at: now)
            } else if before.stage != job.stage {
                state.record(.progress, jobId: job.id, at: now)
            }
            return ClaimedTask(task: task.record, job: job)
        }
    }

    static func failAbandonedTasks(_ state: inout State, now: Double) {
        for task in state.tasks.values
        where task.status == .leased && (task.leaseExpiresAt ?? 0) <= now && task.record.attempts >= task.record.maxAttempts {
            failJob(&state, jobId: task.record.jobId, taskId: task.record.id, error: .workerLost, now: now)
        }
    }

    public func heartbeat(taskId: TaskID, worker: String, leaseSeconds: Double) async throws -> LeaseState {
        let now = self.now
        return state.withLock { state in
            guard let task = state.tasks[taskId], task.status != .cancelled else { return .cancelled }
            guard task.status == .leased, task.leaseOwner == worker else { return .lost }
            state.tasks[taskId]?.leaseExpiresAt = now + leaseSeconds
            return .held
        }
    }

    public func reportProgress(taskId: TaskID, stage: JobStage, fraction: Double) async throws {
        let now = self.now, workflow = self.workflow
        state.withLock { state in
            guard let task = state.tasks[taskId], task.status == .leased else { return }
            state.tasks[taskId]?.progress = max(task.progress, min(max(fraction, 0), 1))
            Self.refreshJobProgress(&state, jobId: task.record.jobId, stage: stage, workflow: workflow, now: now)
        }
    }

    static func refreshJobProgress(_ state: inout State, jobId: JobID, stage: JobStage?, workflow: JobWorkflow, now: Double) {
        guard var job = state.jobs[jobId], job.status == .running else { return }
        let tasks = state.tasks.values.filter { $0.record.jobId == jobId }
            .map { TaskProgress(kind: $0.record.kind, fraction: $0.status == .done ? 1 : $0.progress) }
        let progress = max(job.progress, workflow.progress(of: tasks))
        let newStage = stage ?? job.stage
        guard progress != job.progress || newStage != job.stage else { return }
        job.progress = progress
        job.stage = newStage
        state.jobs[jobId] = job
        state.record(.progress, jobId: jobId, at: now)
    }

    public func completeTask(taskId: TaskID, worker: String, outcome: TaskOutcome) async throws -> CompletionResult {
        let now = self.now, workflow = self.workflow
        return state.withLock { state in
            guard let task = state.tasks[taskId], task.status == .leased, task.leaseOwner == worker,
                  var job = state.jobs[task.record.jobId], job.status == .running else { return .discarded }
            state.tasks[taskId]?.status = .done
            state.tasks[taskId]?.finishedAt = now
            state.tasks[taskId]?.progress = 1
            state.tasks[taskId]?.leaseOwner = nil
            if let upload = outcome.importedUpload {
                state.uploads[upload.id] = upload
                job.uploadId = upload.id
                state.reservations[StorageReservation.importID(job.id)] = nil
            }
            if let media = outcome.media { job.media = media }
            if let storyboard = outcome.storyboard { job.storyboard = storyboard }
            if let analysis = outcome.analysis {
                state.analyses[job.id] = analysis
                job.highlights = analysis.highlights
            }
            state.jobs[job.id] = job
            for (index, quality) in outcome.qualities {
                for (id, clip) in state.clips where clip.jobId == job.id && clip.index == index { state.clips[id]?.quality = quality }
            }
            for clip in outcome.clips {
                var stored = clip
                stored.createdAt = Date(timeIntervalSince1970: now)
                state.clips[clip.id] = stored
                state.record(.clip, jobId: job.id, clip: stored, at: now)
            }
            for next in outcome.nextTasks {
                state.tasks[next.id] = QueuedTask(record: next, availableAt: now, createdAt: now, order: state.next())
            }
            guard !state.tasks.values.contains(where: { $0.record.jobId == job.id && $0.status != .done }) else {
                Self.refreshJobProgress(&state, jobId: job.id, stage: outcome.stage, workflow: workflow, now: now)
                return .applied
            }
            job.status = .succeeded
            job.stage = .done
            job.progress = 1
            job.finishedAt = Date(timeIntervalSince1970: now)
            state.jobs[job.id] = job
            state.record(.status, jobId: job.id, at: now)
            return .jobSucceeded
        }
    }

    public func failTask(taskId: TaskID, worker: String, error: JobError, retryable: Bool) async throws -> FailureDisposition {
        let now = self.now, retry = workflow.retry
        return state.withLock { state in
            guard let task = state.tasks[taskId], task.status == .leased, task.leaseOwner == worker else { return .discarded }
            if let delay = retry.delay(afterAttempt: task.record.attempts, maxAttempts: task.record.maxAttempts, retryable: retryable) {
                state.tasks[taskId]?.status = .queued
                state.tasks[taskId]?.availableAt = now + delay
                state.tasks[taskId]?.leaseOwner = nil
                state.tasks[taskId]?.leaseExpiresAt = nil
                state.tasks[taskId]?.progress = 0
                state.record(.error, jobId: task.record.jobId, error: error, at: now)
                return .retrying(at: Date(timeIntervalSince1970: now + delay))
            }
            Self.failJob(&state, jobId: task.record.jobId, taskId: taskId, error: error, now: now)
            return .jobFailed
        }
    }

    static func failJob(_ state: inout State, jobId: JobID, taskId: TaskID, error: JobError, now: Double) {
        state.tasks[taskId]?.status = .failed
        state.tasks[taskId]?.leaseOwner = nil
        cancelUnfinishedTasks(&state, jobId: jobId)
        guard var job = state.jobs[jobId], job.status == .queued || job.status == .running else { return }
        job.status = .failed
        job.error = error
        job.finishedAt = Date(timeIntervalSince1970: now)
        state.jobs[jobId] = job
        state.record(.error, jobId: jobId, error: error, at: now)
        state.record(.status, jobId: jobId, at: now)
    }

    public func releaseTask(taskId: TaskID, worker: String) async throws {
        let now = self.now
        state.withLock { state in
            guard let task = state.tasks[taskId], task.status == .leased, task.leaseOwner == worker else { return }
            state.tasks[taskId]?.status = .queued
            state.tasks[taskId]?.availableAt = now
            state.tasks[taskId]?.leaseOwner = nil
            state.tasks[taskId]?.leaseExpiresAt = nil
            state.tasks[taskId]?.progress = 0
            state.tasks[taskId]?.record.attempts = max(task.record.attempts - 1, 0)
        }
    }

    public func queueSize() async throws -> Int {
        state.withLock { $0.tasks.values.filter { $0.status == .queued }.count }
    }
}

// MARK: the outbox
extension MemoryJobStore {
    public func claimEvents(limit: Int) async throws -> [JobEvent] {
        let now = self.now
        return state.withLock { state in
            var claimed: [JobEvent] = []
            for index in state.events.indices where state.events[index].deliveredAt == nil && claimed.count < max(1, limit) {
                state.events[index].deliveredAt = now
                claimed.append(state.events[index].event)
            }
            return claimed
        }
    }

    public func pruneEvents(deliveredBefore date: Date) async throws {
        let cutoff = date.timeIntervalSince1970
        state.withLock { $0.events.removeAll { ($0.deliveredAt ?? .infinity) < cutoff } }
    }
}
