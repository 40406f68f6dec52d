import ClipGenCore

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

/// What an organisation uses now, to hold against its quotas.
public struct OrganizationUsage: Codable, Sendable, Equatable {
    public var activeJobs: Int
    /// Uploads (each stored file once) and clips.
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
}
