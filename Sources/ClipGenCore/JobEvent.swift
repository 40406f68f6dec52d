import Foundation

/// Something that happened to a job, as subscribers (WebSockets, webhooks) see it: the job's
/// status, stage and progress just after the change, plus the clip or error it was about.
/// Stores write events in the same transaction as the change; `sequence` is their order.
public struct JobEvent: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// The job's status changed (queued, running, succeeded, failed, cancelled).
        case status
        /// The job moved on within its status: stage or progress.
        case progress
        /// A clip was stored.
        case clip
        /// An attempt failed; `error` says why. A failed job also gets a `status` event.
        case error
        /// Highlights picked from the part of a long source analysed so far, while its other
        /// segments are still measured: a first look, replaced by the analysis's own.
        case highlights
    }

    /// Order of the event among all events; 0 until stored.
    public var sequence: Int64
    public var type: Kind
    public var jobId: JobID
    public var organizationId: OrganizationID
    public var status: JobStatus
    public var stage: JobStage
    public var progress: Double
    public var clip: Clip?
    public var error: JobError?
    /// For `highlights`: those picked so far, and how many seconds from the start they were picked from.
    public var highlights: [Highlight]?
    public var analysedSeconds: Double?
    public var at: Date

    public init(
        sequence: Int64 = 0, type: Kind, jobId: JobID, organizationId: OrganizationID, status: JobStatus,
        stage: JobStage,
        progress: Double, clip: Clip? = nil, error: JobError? = nil, highlights: [Highlight]? = nil,
        analysedSeconds: Double? = nil, at: Date
    ) {
        self.highlights = highlights
        self.analysedSeconds = analysedSeconds
        self.sequence = sequence
        self.type = type
        self.jobId = jobId
        self.organizationId = organizationId
        self.status = status
        self.stage = stage
        self.progress = progress
        self.clip = clip
        self.error = error
        self.at = at
    }

    /// An event about `job` as it is now.
    public init(type: Kind, job: Job, clip: Clip? = nil, error: JobError? = nil, at: Date) {
        self.init(
            type: type, jobId: job.id, organizationId: job.organizationId, status: job.status, stage: job.stage,
            progress: job.progress, clip: clip, error: error, at: at)
    }

    /// Whether this is the job's last status: succeeded, failed or cancelled.
    public var isTerminal: Bool { type == .status && status.isTerminal }
}
