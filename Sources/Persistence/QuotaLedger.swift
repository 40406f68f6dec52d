import ClipGenCore
import Foundation

/// Limits an operator sets on one organisation; nil fields take the service's defaults.
public struct OrganizationQuotas: Codable, Sendable, Equatable {
    /// Jobs queued or running at once.
    public var concurrentJobs: Int?
    /// Bytes of uploads and clips kept.
    public var storedBytes: Int64?
    /// Largest single upload.
    public var uploadBytes: Int64?
    public init(concurrentJobs: Int? = nil, storedBytes: Int64? = nil, uploadBytes: Int64? = nil) {
        self.concurrentJobs = concurrentJobs
        self.storedBytes = storedBytes
        self.uploadBytes = uploadBytes
    }
}

/// Room an organisation's work under way holds in its storage before its bytes are stored: an
/// upload while it streams in, an import while it downloads, a job's expected clips until they
/// land. Counted in `OrganizationUsage.storedBytes` beside what is stored, so concurrent work
/// cannot each see the same free room.
public struct StorageReservation: Sendable, Equatable {
    /// The caller's name for it (`upload:<id>`, `import:<job>`, `job:<id>`); reserving again
    /// under the same id replaces the amount.
    public var id: String
    public var organizationId: OrganizationID
    /// Set for a job's expected output: it counts only while the job is queued or running, less
    /// the clips the job has stored so far; without one it counts whole until released.
    public var jobId: JobID?
    public var bytes: Int64
    /// A reservation nobody released (a process killed mid-upload) stops counting then.
    public var expiresAt: Date

    public init(id: String, organizationId: OrganizationID, jobId: JobID? = nil, bytes: Int64, expiresAt: Date) {
        self.id = id
        self.organizationId = organizationId
        self.jobId = jobId
        self.bytes = bytes
        self.expiresAt = expiresAt
    }

    /// What an upload's bytes reserve while they stream in; the upload's row ends it.
    public static func uploadID(_ upload: UploadID) -> String { "upload:\(upload)" }
    /// What a job's expected clips reserve, counted while it is queued or running.
    public static func jobID(_ job: JobID) -> String { "job:\(job)" }
    /// What a `source.url` import reserves while it downloads; the imported upload's row ends it.
    public static func importID(_ job: JobID) -> String { "import:\(job)" }
}

/// What an organisation uses now, to hold against its quotas.
public struct OrganizationUsage: Codable, Sendable, Equatable {
    public var activeJobs: Int
    /// Uploads (each stored file once), clips, and the storage reservations of work under way.
    public var storedBytes: Int64
    public init(activeJobs: Int, storedBytes: Int64) {
        self.activeJobs = activeJobs
        self.storedBytes = storedBytes
    }
}

/// Organisations' quotas and usage.
public protocol QuotaLedger: Sendable {
    /// nil when the organisation does not exist.
    func quotas(organizationId: OrganizationID) async throws -> OrganizationQuotas?
    /// False when the organisation does not exist.
    @discardableResult
    func setQuotas(_ quotas: OrganizationQuotas, organizationId: OrganizationID) async throws -> Bool
    func usage(organizationId: OrganizationID) async throws -> OrganizationUsage
    /// Just the jobs queued or running: what each submission is held against, without summing storage.
    func activeJobs(organizationId: OrganizationID) async throws -> Int
    /// Sets the reservation to its `bytes` when the organisation's usage (without this
    /// reservation's earlier amount) plus them stays within `limit`, and answers true; false,
    /// changing nothing, when it would not fit. Decided atomically: two callers cannot both take
    /// the last room. No limit: always reserved.
    func reserveStorage(_ reservation: StorageReservation, limit: Int64?) async throws -> Bool
    /// Ends a reservation; unknown ids are not an error.
    func releaseStorage(id: String) async throws
}

/// The service's limits for organisations without their own: the operator's configuration.
public struct QuotaDefaults: Sendable {
    /// Jobs queued or running at once; nil: no limit.
    public var concurrentJobs: Int?
    /// Bytes of uploads and clips kept; nil: no limit.
    public var storedBytes: Int64?
    /// The largest upload (or import) the service takes at all; an organisation's own limit can only be lower.
    public var maxUploadBytes: Int64
    public init(concurrentJobs: Int? = nil, storedBytes: Int64? = nil, maxUploadBytes: Int64) {
        self.concurrentJobs = concurrentJobs
        self.storedBytes = storedBytes
        self.maxUploadBytes = maxUploadBytes
    }
}

/// The limits that apply to one organisation: its own quotas, else the service's defaults.
public struct QuotaLimits: Encodable, Sendable, Equatable {
    public var concurrentJobs: Int?
    public var storedBytes: Int64?
    public var uploadBytes: Int64
}

extension QuotaLedger {
    /// What the API checks uploads and jobs against, and workers check imports against.
    public func limits(for organization: OrganizationID, defaults: QuotaDefaults) async throws -> QuotaLimits {
        let own = try await quotas(organizationId: organization) ?? OrganizationQuotas()
        return QuotaLimits(
            concurrentJobs: own.concurrentJobs ?? defaults.concurrentJobs,
            storedBytes: own.storedBytes ?? defaults.storedBytes,
            uploadBytes: min(own.uploadBytes ?? defaults.maxUploadBytes, defaults.maxUploadBytes))
    }
}
