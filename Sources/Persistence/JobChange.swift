import ClipGenCore
import Foundation

/// A task as a transition sees it: read under its job's lock.
public struct TaskState: Sendable, Equatable {
    public enum Status: String, Sendable {
        case queued, leased, done, failed, cancelled
    }

    public var record: TaskRecord
    public var status: Status
    public var progress: Double
    public var leaseOwner: String?

    public init(record: TaskRecord, status: Status, progress: Double, leaseOwner: String?) {
        self.record = record
        self.status = status
        self.progress = progress
        self.leaseOwner = leaseOwner
    }
}

/// A job with its tasks, read under the job's lock, and the store's time: all a transition decides from.
public struct JobSnapshot: Sendable {
    /// The job's row without its keyframe index (`media` is nil; `source` is read).
    public var job: Job
    public var tasks: [TaskState]
    public var now: Date

    public init(job: Job, tasks: [TaskState], now: Date) {
        self.job = job
        self.tasks = tasks
        self.now = now
    }
}

/// The new state of one task. Leaving `leased` clears the lease.
public struct TaskChange: Sendable, Equatable {
    public var id: TaskID
    public var status: TaskState.Status
    public var progress: Double
    /// When a queued task may be claimed again; nil keeps the time it has.
    public var availableAt: Date?
    public var finishedAt: Date?
    /// The error of its latest attempt; nil keeps the one it has.
    public var error: JobError?

    public init(
        id: TaskID, status: TaskState.Status, progress: Double, availableAt: Date? = nil, finishedAt: Date? = nil,
        error: JobError? = nil
    ) {
        self.id = id
        self.status = status
        self.progress = progress
        self.availableAt = availableAt
        self.finishedAt = finishedAt
        self.error = error
    }
}

/// The large documents of a job row, written only when a change sets them.
public struct JobDocuments: Sendable, Equatable {
    /// What probing found, keyframe index included; its summary (`source_info`) is written with it.
    public var media: MediaInfo?
    public var storyboard: Storyboard?
    public var highlights: [Highlight]?

    public init(media: MediaInfo? = nil, storyboard: Storyboard? = nil, highlights: [Highlight]? = nil) {
        self.media = media
        self.storyboard = storyboard
        self.highlights = highlights
    }
}

/// What a transition decided, for a store to write in the transaction it read the snapshot in.
/// Stores apply it as it is and decide nothing.
public struct JobChange: Sendable {
    /// The job's row (its scalar columns) as it is to be; nil leaves the row alone.
    public var job: Job?
    public var documents = JobDocuments()
    public var tasks: [TaskChange] = []
    /// Queued, claimable from the snapshot's time.
    public var newTasks: [TaskRecord] = []
    /// A `source.url` job's download, recorded as an upload.
    public var upload: Upload?
    /// Storage reservations the change settles (by id).
    public var releasedReservations: [String] = []
    public var clips: [Clip] = []
    /// Measured quality of the job's clips, by clip index.
    public var qualities: [Int: ClipQuality] = [:]
    public var analysis: Analysis?
    /// In the order they happened; each as the job was at that moment.
    public var events: [JobEvent] = []
    /// For a terminal event of a job with a webhook URL: its delivery, queued with the event.
    public var webhook: WebhookDelivery?

    public init(job: Job? = nil) {
        self.job = job
    }

    /// Nothing to write.
    public static let none = JobChange()
}

/// Which job a change is about: by its id (within an organisation when a client asks), or by one of its tasks.
public enum JobTarget: Sendable, Equatable {
    case job(JobID, organizationId: OrganizationID?)
    case task(TaskID)
}
