import ClipGenCore

/// The queue of tasks workers lease. The backend keeps what must hold in one transaction —
/// lease ownership, and one job changed at a time under its lock — and decides nothing else:
/// every change to a job is planned by `JobTransitions` from a snapshot the backend reads under
/// the job's lock, and written as planned (`changeJob`).
public protocol TaskQueue: Sendable {
    /// Leases a runnable task for one of `capabilities`, and moves its job as
    /// `JobTransitions.claimed` says: a task whose lease expired (its worker is gone) first; else
    /// a queued, due task of the organisation with the fewest tasks running (so one
    /// organisation's backlog never starves another's job), the highest `priority` of its jobs,
    /// then the oldest.
    /// A task whose `fallback` is one of `capabilities` is runnable too once it has been due for
    /// `fallbackAfter` seconds (0: at once, nil: never). A task whose organisation's home region
    /// (copied when it was queued) is one of `excludingRegions` is left to that region's workers.
    /// A task whose worker vanished on its last attempt fails its job (`worker_lost`) instead.
    func claimTask(
        worker: String, capabilities: [Capability], fallbackAfter: Double?, excludingRegions: [String],
        leaseSeconds: Double
    ) async throws -> ClaimedTask?
    /// Extends a lease; tells the worker when it lost the lease or the job was cancelled.
    func heartbeat(taskId: TaskID, worker: String, leaseSeconds: Double) async throws -> LeaseState
    /// Gives a task back without counting the attempt (the worker is shutting down).
    func releaseTask(taskId: TaskID, worker: String) async throws
    /// Tasks waiting to run.
    func queueSize() async throws -> Int
    /// In one transaction: locks the job, reads it with its tasks (`JobSnapshot`, with the
    /// store's time), and writes the change `plan` returns. nil when there is no such job or task.
    func changeJob<Result: Sendable>(
        _ target: JobTarget, _ plan: @escaping @Sendable (JobSnapshot) -> (JobChange, Result)
    ) async throws
        -> Result?
}

extension TaskQueue {
    /// Claims as a worker of no region, or one whose peers in other regions are all gone.
    public func claimTask(worker: String, capabilities: [Capability], fallbackAfter: Double?, leaseSeconds: Double)
        async throws -> ClaimedTask?
    {
        try await claimTask(
            worker: worker, capabilities: capabilities, fallbackAfter: fallbackAfter, excludingRegions: [],
            leaseSeconds: leaseSeconds)
    }

    /// Claims as a worker that knows of no worker better suited: fallback work is taken at once.
    public func claimTask(worker: String, capabilities: [Capability], leaseSeconds: Double) async throws
        -> ClaimedTask?
    {
        try await claimTask(worker: worker, capabilities: capabilities, fallbackAfter: 0, leaseSeconds: leaseSeconds)
    }

    /// Records a running task's progress (0…1) and the job's overall progress from it.
    public func reportProgress(taskId: TaskID, stage: JobStage, fraction: Double, transitions: JobTransitions)
        async throws
    {
        _ = try await changeJob(.task(taskId)) {
            (transitions.progressed($0, taskId: taskId, stage: stage, fraction: fraction), ())
        }
    }

    /// Applies a finished task's results and queues what follows it, in one transaction;
    /// succeeds the job when no task is left.
    public func completeTask(taskId: TaskID, worker: String, outcome: TaskOutcome, transitions: JobTransitions)
        async throws
        -> CompletionResult
    {
        try await changeJob(.task(taskId)) {
            transitions.completed($0, taskId: taskId, worker: worker, outcome: outcome)
        } ?? .discarded
    }

    /// Schedules a retry after the workflow's backoff, or fails the job after the last attempt
    /// (or at once when `retryable` is false).
    public func failTask(taskId: TaskID, worker: String, error: JobError, retryable: Bool, transitions: JobTransitions)
        async throws
        -> FailureDisposition
    {
        try await changeJob(.task(taskId)) {
            transitions.failed($0, taskId: taskId, worker: worker, error: error, retryable: retryable)
        } ?? .discarded
    }
}
