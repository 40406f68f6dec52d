import ClipGenCore

/// The queue of tasks workers lease. The backend keeps only the rules that must hold in one
/// transaction: lease ownership, and the last task finishing the job; what follows a task, the
/// job's stage and progress, and the retry delays come from the `JobWorkflow` it was given.
public protocol TaskQueue: Sendable {
    /// Leases the oldest runnable task for one of `capabilities`: queued and due, or leased with
    /// an expired lease (its worker is gone). A task whose worker vanished on its last attempt
    /// fails its job (`worker_lost`) instead.
    func claimTask(worker: String, capabilities: [Capability], leaseSeconds: Double) async throws -> ClaimedTask?
    /// Extends a lease; tells the worker when it lost the lease or the job was cancelled.
    func heartbeat(taskId: TaskID, worker: String, leaseSeconds: Double) async throws -> LeaseState
    /// Records a running task's progress (0…1) and the job's overall progress from it.
    func reportProgress(taskId: TaskID, stage: JobStage, fraction: Double) async throws
    /// Applies a finished task's results and queues `outcome.nextTasks` in one transaction;
    /// succeeds the job when no task is left.
    func completeTask(taskId: TaskID, worker: String, outcome: TaskOutcome) async throws -> CompletionResult
    /// Schedules a retry after the workflow's backoff, or fails the job after the last attempt
    /// (or at once when `retryable` is false).
    func failTask(taskId: TaskID, worker: String, error: JobError, retryable: Bool) async throws -> FailureDisposition
    /// Gives a task back without counting the attempt (the worker is shutting down).
    func releaseTask(taskId: TaskID, worker: String) async throws
    /// Tasks waiting to run.
    func queueSize() async throws -> Int
}
