import ClipGenCore

/// Uploads, jobs, clips and analyses. Every read a client can cause takes the caller's
/// organisation, so no query crosses organisations. Every change of a job's state records its
/// `JobEvent`s in the same transaction (see `EventOutbox`).
public protocol JobRepository: Sendable {
    /// Records the upload. When the organisation already has one with the same SHA-256 and size,
    /// the new row shares that blob (checked and written in one transaction, so a concurrent
    /// delete cannot remove the blob under it): the returned upload's `blobKey` then differs from
    /// the one given, and the caller removes the copy it wrote.
    func createUpload(_ upload: Upload) async throws -> Upload
    func upload(id: UploadID, organizationId: OrganizationID) async throws -> Upload?
    func uploads(organizationId: OrganizationID, page: PageRequest) async throws -> Page<Upload>
    /// Removes the upload. Returns nil when absent; otherwise whether its blob is now unreferenced.
    func deleteUpload(id: UploadID, organizationId: OrganizationID) async throws -> UploadDeletion?

    /// Writes the job, its first task and its `queued` event in one transaction. With an
    /// idempotency key the job's owner used within its lifetime, writes nothing and returns the
    /// first job, or throws `StoreError.idempotencyKeyReused` when its fingerprint differs.
    func createJob(_ job: Job, firstTask: TaskRecord, idempotencyKey: IdempotencyKey?) async throws -> JobCreation
    func job(id: JobID, organizationId: OrganizationID) async throws -> Job?
    /// Just the job's status: the cheapest proof it exists in the organisation.
    func jobStatus(id: JobID, organizationId: OrganizationID) async throws -> JobStatus?
    func jobs(organizationId: OrganizationID, status: JobStatus?, page: PageRequest) async throws -> Page<Job>
    /// Marks the job and its unfinished tasks cancelled; running workers notice on their next heartbeat.
    func cancelJob(id: JobID, organizationId: OrganizationID) async throws -> Job?
    /// Removes the job, its tasks and clips; returns every blob key it owned (clips, posters,
    /// storyboard), or nil when absent.
    func deleteJob(id: JobID, organizationId: OrganizationID) async throws -> [BlobKey]?
    /// What probing found about a job's source, keyframe index included (a re-render reuses it).
    func jobMedia(id: JobID, organizationId: OrganizationID) async throws -> MediaInfo?
    func clips(jobId: JobID) async throws -> [Clip]
    /// The clips of several jobs in one read, by job id (a list page without a query per job).
    func clips(jobIds: [JobID]) async throws -> [JobID: [Clip]]
    func clip(id: ClipID, organizationId: OrganizationID) async throws -> Clip?
    /// What the analyze stage found; nil until it ran, or when the job did not analyse.
    func analysis(jobId: JobID, organizationId: OrganizationID) async throws -> Analysis?

    func isReachable() async -> Bool
}
