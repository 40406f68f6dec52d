import ClipGenCore
import Foundation

/// What expires, each after its own number of days.
public enum RetentionCategory: String, CaseIterable, Codable, Sendable {
    /// Uploaded sources (and the transcript made of each), unless a queued or running job or the
    /// brand kit uses them; a stored file shared by deduplicated uploads goes with the last one.
    case uploads
    /// The clip files of finished jobs, with their posters and renditions; the job stays.
    case clips
    /// What analysing found (shots, loudness, highlights' signals) for finished jobs.
    case analyses
    /// Finished jobs themselves, with everything they made.
    case jobs
    /// Audit log entries.
    case audit
    /// Webhook deliveries that were delivered or given up on, with their attempts.
    case webhooks
}

/// An organisation's own retention, in days per category: nil takes the service's default, 0
/// keeps that data for good (only where the operator sets no maximum).
public struct RetentionSettings: Codable, Sendable, Equatable {
    public var uploads: Int?
    public var clips: Int?
    public var analyses: Int?
    public var jobs: Int?
    public var audit: Int?
    public var webhooks: Int?

    public init(
        uploads: Int? = nil, clips: Int? = nil, analyses: Int? = nil, jobs: Int? = nil, audit: Int? = nil,
        webhooks: Int? = nil
    ) {
        (self.uploads, self.clips, self.analyses, self.jobs, self.audit, self.webhooks) =
            (uploads, clips, analyses, jobs, audit, webhooks)
    }

    public subscript(category: RetentionCategory) -> Int? {
        get {
            switch category {
            case .uploads: uploads
            case .clips: clips
            case .analyses: analyses
            case .jobs: jobs
            case .audit: audit
            case .webhooks: webhooks
            }
        }
        set {
            switch category {
            case .uploads: uploads = newValue
            case .clips: clips = newValue
            case .analyses: analyses = newValue
            case .jobs: jobs = newValue
            case .audit: audit = newValue
            case .webhooks: webhooks = newValue
            }
        }
    }
}

/// What one batch of expiry removed: rows, and the stored files no remaining row refers to,
/// which the caller deletes once the rows are gone (a file left over is garbage, a row without
/// its file a broken download). For jobs, also their ids: their folders may hold files no row
/// names (frames, an attempt that failed).
public struct Expiry: Sendable, Equatable {
    public var rows: Int
    public var blobs: [BlobKey]
    public var jobs: [JobID]
    public init(rows: Int = 0, blobs: [BlobKey] = [], jobs: [JobID] = []) {
        (self.rows, self.blobs, self.jobs) = (rows, blobs, jobs)
    }
}

/// Retention settings, expiry, and the named leases that let one replica at a time do work
/// every replica could (the lifecycle sweep).
public protocol DataLifecycle: Sendable {
    /// nil when the organisation does not exist.
    func retention(organizationId: OrganizationID) async throws -> RetentionSettings?
    /// False when the organisation does not exist.
    @discardableResult
    func setRetention(_ settings: RetentionSettings, organizationId: OrganizationID) async throws -> Bool
    /// Every organisation with its own settings (empty ones for those without).
    func retentionByOrganization() async throws -> [OrganizationID: RetentionSettings]
    /// Removes up to `limit` of the organisation's rows of `category` older than `cutoff`
    /// (finished jobs by when they finished), in one transaction; `organizationId` nil reaches
    /// the audit entries tied to no organisation. Uploads in `sparing` stay.
    func expire(
        _ category: RetentionCategory, organizationId: OrganizationID?, before cutoff: Date,
        sparing: Set<UploadID>, limit: Int
    ) async throws -> Expiry
    /// Takes or renews the lease `name` for `holder` until `until`: true when no one else holds
    /// it past the store's now.
    func acquireLease(_ name: String, holder: String, until: Date) async throws -> Bool
    /// Ends the lease when `holder` has it.
    func releaseLease(_ name: String, holder: String) async throws
}
