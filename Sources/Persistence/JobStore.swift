import ClipGenCore
import Foundation

/// Jobs, their queue of tasks, clips, uploads, users and organisations. Every read a client can
/// cause takes the caller's organisation, so no query crosses organisations.
public protocol JobStore: Sendable {
    // MARK: organisations and users
    func userCount() async throws -> Int
    func createOrganization(_ organization: Organization) async throws
    /// Throws `StoreError.conflict` when the email is taken.
    func createUser(_ user: User) async throws
    func user(id: String) async throws -> User?
    func user(email: String) async throws -> User?
    func users(organizationId: String) async throws -> [User]

    // MARK: uploads
    func createUpload(_ upload: Upload) async throws
    func upload(id: String, organizationId: String) async throws -> Upload?
    func uploads(organizationId: String, page: PageRequest) async throws -> Page<Upload>
    /// Removes the upload. Returns nil when absent; otherwise whether its blob is now unreferenced.
    func deleteUpload(id: String, organizationId: String) async throws -> UploadDeletion?

    // MARK: jobs
    /// Writes the job and its first task in one transaction. With an idempotency key already
    /// used in the organisation, writes nothing and returns the first job.
    func createJob(_ job: Job, firstTask: TaskRecord, idempotencyKey: String?) async throws -> JobCreation
    func job(id: String, organizationId: String) async throws -> Job?
    func jobs(organizationId: String, status: JobStatus?, page: PageRequest) async throws -> Page<Job>
    /// Marks the job and its unfinished tasks cancelled; running workers notice on their next heartbeat.
    func cancelJob(id: String, organizationId: String) async throws -> Job?
    /// Removes the job, its tasks and clips; returns every blob key it owned (clips, posters,
    /// storyboard), or nil when absent.
    func deleteJob(id: String, organizationId: String) async throws -> [String]?
    func clips(jobId: String) async throws -> [Clip]
    func clip(id: String, organizationId: String) async throws -> Clip?
    /// What the analyze stage found; nil until it ran, or when the job did not analyse.
    func analysis(jobId: String, organizationId: String) async throws -> Analysis?

    // MARK: the queue
    /// Leases the oldest runnable task for one of `capabilities`: queued and due, or leased with
    /// an expired lease (its worker is gone).
    func claimTask(worker: String, capabilities: [Capability], leaseSeconds: Double) async throws -> ClaimedTask?
    /// Extends a lease; tells the worker when it lost the lease or the job was cancelled.
    func heartbeat(taskId: String, worker: String, leaseSeconds: Double) async throws -> LeaseState
    /// Records a running task's progress (0…1) and the job's overall progress from it.
    func reportProgress(taskId: String, stage: JobStage, fraction: Double) async throws
    /// Applies a finished task's results in one transaction; succeeds the job when it was the last task.
    func completeTask(taskId: String, worker: String, outcome: TaskOutcome) async throws -> CompletionResult
    /// Schedules a retry with exponential backoff, or fails the job after the last attempt.
    func failTask(taskId: String, worker: String, error: JobError, retryable: Bool, retryBaseSeconds: Double) async throws -> FailureDisposition
    /// Gives a task back without counting the attempt (the worker is shutting down).
    func releaseTask(taskId: String, worker: String) async throws
    /// Tasks waiting to run.
    func queueSize() async throws -> Int
    /// Returns when new work may be claimable, or after `timeout` at the latest.
    func waitForWork(timeout: Duration) async
    func isReachable() async -> Bool
}

public struct PageRequest: Sendable {
    public var limit: Int
    public var cursor: String?
    public init(limit: Int = 20, cursor: String? = nil) {
        self.limit = min(max(limit, 1), 100)
        self.cursor = cursor
    }
}

public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var nextCursor: String?
}

public struct UploadDeletion: Sendable {
    public var blobKey: String
    public var blobUnreferenced: Bool
}

public struct JobCreation: Sendable {
    public var job: Job
    /// False when an idempotency key returned an earlier job.
    public var created: Bool
}

public struct ClaimedTask: Sendable {
    public var task: TaskRecord
    public var job: Job
}

public enum LeaseState: Sendable, Equatable {
    case held, lost, cancelled
}

/// What a finished task produced.
public struct TaskOutcome: Sendable {
    public var media: MediaInfo?
    public var clips: [Clip]
    public var storyboard: Storyboard?
    /// The source's analysis; its highlights become the job's `highlights`.
    public var analysis: Analysis?
    /// Measured quality by clip index.
    public var qualities: [Int: ClipQuality]
    public var nextTasks: [TaskRecord]
    public var stage: JobStage?
    public init(media: MediaInfo? = nil, clips: [Clip] = [], storyboard: Storyboard? = nil, analysis: Analysis? = nil,
                qualities: [Int: ClipQuality] = [:], nextTasks: [TaskRecord] = [], stage: JobStage? = nil) {
        self.analysis = analysis
        self.qualities = qualities
        self.media = media
        self.storyboard = storyboard
        self.clips = clips
        self.nextTasks = nextTasks
        self.stage = stage
    }
}

public enum CompletionResult: Sendable, Equatable {
    case applied
    /// The lease was lost or the job cancelled or deleted: nothing was written, and the worker
    /// should remove what it produced.
    case discarded
}

public enum FailureDisposition: Sendable, Equatable {
    case retrying(at: Date)
    case jobFailed
    case discarded
}

public enum StoreError: Error, Equatable, CustomStringConvertible {
    case conflict(String)
    case invalidCursor

    public var description: String {
        switch self {
        case .conflict(let what): what
        case .invalidCursor: "the cursor is not one this server issued"
        }
    }
}
