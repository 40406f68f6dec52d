import ClipGenCore
import Foundation
import Persistence
import Synchronization

extension MemoryJobStore {
    public func claimTask(
        worker: String, capabilities: [Capability], fallbackAfter: Double?, excludingRegions: [String],
        leaseSeconds: Double
    ) async throws -> ClaimedTask? {
        let now = self.now
        return state.withLock { state in
            Self.failAbandonedTasks(&state, now: now)
            let runnable = state.tasks.values.filter { task in
                (capabilities.contains(task.record.capability)
                    || (task.record.fallback.map(capabilities.contains) == true
                        && fallbackAfter.map { task.availableAt <= now - $0 } == true))
                    && !(task.region.map(excludingRegions.contains) ?? false)
                    && ((task.status == .queued && task.availableAt <= now)
                        || (task.status == .leased && (task.leaseExpiresAt ?? 0) <= now))
            }
            // An expired lease first; then fair between organisations (the fewest tasks running), and
            // within one the job's priority, then the oldest.
            var running: [OrganizationID: Int] = [:]
            for task in state.tasks.values {
                guard let organization = state.jobs[task.record.jobId]?.organizationId else { continue }
                if task.status == .leased && (task.leaseExpiresAt ?? 0) > now { running[organization, default: 0] += 1 }
            }
            func key(_ task: QueuedTask) -> [Double] {
                if task.status == .leased { return [0, task.leaseExpiresAt ?? 0, Double(task.order)] }
                let job = state.jobs[task.record.jobId]
                let organization = job?.organizationId
                return [
                    1, Double(organization.map { running[$0] ?? 0 } ?? 0), -Double(job?.request.resolvedPriority ?? 0),
                    task.availableAt, task.createdAt, Double(task.order),
                ]
            }
            guard
                let next = runnable.min(by: { key($0).lexicographicallyPrecedes(key($1)) }),
                state.jobs[next.record.jobId] != nil
            else { return nil }
            var task = next
            task.status = .leased
            task.leaseOwner = worker
            task.leaseExpiresAt = now + leaseSeconds
            task.startedAt = now
            task.record.attempts += 1
            state.tasks[task.record.id] = task
            let snapshot = Self.snapshot(state, jobId: task.record.jobId, now: now)!
            Self.apply(JobTransitions.claimed(snapshot, task: task.record), to: task.record.jobId, &state, now: now)
            return ClaimedTask(task: task.record, job: state.jobs[task.record.jobId]!)
        }
    }

    static func failAbandonedTasks(_ state: inout State, now: Double) {
        for task in state.tasks.values
        where task.status == .leased && (task.leaseExpiresAt ?? 0) <= now
            && task.record.attempts >= task.record.maxAttempts
        {
            guard let snapshot = snapshot(state, jobId: task.record.jobId, now: now) else { continue }
            apply(JobTransitions.abandoned(snapshot, taskId: task.record.id), to: task.record.jobId, &state, now: now)
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

// MARK: lock, snapshot and apply: one critical section is the lock
extension MemoryJobStore {
    public func changeJob<Result: Sendable>(
        _ target: JobTarget, _ plan: @escaping @Sendable (JobSnapshot) -> (JobChange, Result)
    ) async throws
        -> Result?
    {
        let now = self.now
        return state.withLock { state in
            let jobId: JobID? =
                switch target {
                case .job(let id, let organizationId):
                    state.jobs[id].flatMap { organizationId == nil || $0.organizationId == organizationId ? id : nil }
                case .task(let taskId): state.tasks[taskId]?.record.jobId
                }
            guard let jobId, let snapshot = Self.snapshot(state, jobId: jobId, now: now) else { return nil }
            let (change, result) = plan(snapshot)
            Self.apply(change, to: jobId, &state, now: now)
            return result
        }
    }

    static func snapshot(_ state: State, jobId: JobID, now: Double) -> JobSnapshot? {
        guard let job = state.jobs[jobId] else { return nil }
        let tasks = state.tasks.values.filter { $0.record.jobId == jobId }.sorted { $0.order < $1.order }.map { task in
            TaskState(record: task.record, status: task.status, progress: task.progress, leaseOwner: task.leaseOwner)
        }
        return JobSnapshot(job: summary(job), tasks: tasks, now: Date(timeIntervalSince1970: now))
    }

    static func apply(_ change: JobChange, to jobId: JobID, _ state: inout State, now: Double) {
        if let upload = change.upload { state.uploads[upload.id] = upload }
        for id in change.releasedReservations { state.reservations[id] = nil }
        if var job = change.job, let stored = state.jobs[jobId] {
            job.media = change.documents.media ?? stored.media
            state.jobs[jobId] = job
        } else if let media = change.documents.media {
            state.jobs[jobId]?.media = media
        }
        if let storyboard = change.documents.storyboard { state.jobs[jobId]?.storyboard = storyboard }
        if let highlights = change.documents.highlights { state.jobs[jobId]?.highlights = highlights }
        if let analysis = change.analysis { state.analyses[jobId] = analysis }
        for clip in change.clips { state.clips[clip.id] = clip }
        for (index, quality) in change.qualities {
            for (id, clip) in state.clips where clip.jobId == jobId && clip.index == index {
                state.clips[id]?.quality = quality
            }
        }
        for task in change.tasks {
            guard var stored = state.tasks[task.id] else { continue }
            stored.status = task.status
            stored.progress = task.progress
            if let availableAt = task.availableAt { stored.availableAt = availableAt.timeIntervalSince1970 }
            if let finishedAt = task.finishedAt { stored.finishedAt = finishedAt.timeIntervalSince1970 }
            if task.status != .leased {
                stored.leaseOwner = nil
                stored.leaseExpiresAt = nil
            }
            state.tasks[task.id] = stored
        }
        for next in change.newTasks {
            state.queue(next, now: now)
        }
        var sequence: Int64 = 0
        for var event in change.events {
            sequence = Int64(state.next())
            event.sequence = sequence
            state.events.append((event, nil))
        }
        if var delivery = change.webhook {
            delivery.event.sequence = sequence
            state.deliveries.append((delivery, delivery.createdAt.timeIntervalSince1970))
        }
        if let (batchId, event) = BatchTransitions.endingEvent(of: change) {
            settleBatch(batchId, by: event, &state, now: now)
        }
    }
}

// MARK: the outbox
extension MemoryJobStore {
    public func claimEvents(limit: Int) async throws -> [JobEvent] {
        let now = self.now
        return state.withLock { state in
            var claimed: [JobEvent] = []
            for index in state.events.indices
            where state.events[index].deliveredAt == nil && claimed.count < max(1, limit) {
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
