import ClipGenCore
import Foundation

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
    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

public struct UploadDeletion: Sendable {
    public var blobKey: BlobKey
    public var blobUnreferenced: Bool
    public init(blobKey: BlobKey, blobUnreferenced: Bool) {
        self.blobKey = blobKey
        self.blobUnreferenced = blobUnreferenced
    }
}

/// A client's `Idempotency-Key`: per user, for `lifetime`, and only for the same request.
public struct IdempotencyKey: Sendable {
    public var key: String
    /// A digest of the request; the same key with another digest is `StoreError.idempotencyKeyReused`.
    public var fingerprint: String
    /// After this, the key is forgotten and starts a new job.
    public var lifetime: TimeInterval
    public init(key: String, fingerprint: String, lifetime: TimeInterval = 24 * 3600) {
        self.key = key
        self.fingerprint = fingerprint
        self.lifetime = lifetime
    }
}

public struct JobCreation: Sendable {
    public var job: Job
    /// False when an idempotency key returned an earlier job.
    public var created: Bool
    public init(job: Job, created: Bool) {
        self.job = job
        self.created = created
    }
}

public struct ClaimedTask: Sendable {
    public var task: TaskRecord
    public var job: Job
    public init(task: TaskRecord, job: Job) {
        self.task = task
        self.job = job
    }
}

public enum LeaseState: Sendable, Equatable {
    case held, lost, cancelled
}

/// What a finished task produced. What follows it is the workflow's to decide (`JobTransitions`).
public struct TaskOutcome: Sendable {
    public var media: MediaInfo?
    public var clips: [Clip]
    public var storyboard: Storyboard?
    /// The source's analysis; its highlights become the job's `highlights`.
    public var analysis: Analysis?
    /// Measured quality by clip index.
    public var qualities: [Int: ClipQuality]
    /// A `source.url` job's download, stored: recorded as an upload and made the job's source.
    public var importedUpload: Upload?
    /// An `analyze` or `transcribe` task that split a long source: how many segment tasks follow.
    public var segments: Int
    /// A segment that extended the analysed start of a long source: the highlights picked from
    /// it so far (announced as a `highlights` event), and how many seconds that start covers.
    public var preliminaryHighlights: (highlights: [Highlight], analysedSeconds: Double)?
    public init(
        media: MediaInfo? = nil, clips: [Clip] = [], storyboard: Storyboard? = nil, analysis: Analysis? = nil,
        qualities: [Int: ClipQuality] = [:], importedUpload: Upload? = nil, segments: Int = 0
    ) {
        self.segments = segments
        self.importedUpload = importedUpload
        self.analysis = analysis
        self.qualities = qualities
        self.media = media
        self.storyboard = storyboard
        self.clips = clips
    }
}

public enum CompletionResult: Sendable, Equatable {
    /// Written; the job goes on.
    case applied
    /// Written, and it was the job's last task: the job has succeeded.
    case jobSucceeded
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
    /// The process is stopping and its store has closed.
    case shutDown
    /// The database did not answer in time (stopped, unreachable, or out of connections).
    case unavailable
    /// The caller used an idempotency key, still live, for a different request.
    case idempotencyKeyReused

    public var description: String {
        switch self {
        case .conflict(let what): what
        case .invalidCursor: "the cursor is not one this server issued"
        case .shutDown: "the service is shutting down"
        case .unavailable: "the database is not answering; try again shortly"
        case .idempotencyKeyReused: "this Idempotency-Key was already used for a different request; use a new key"
        }
    }
}
