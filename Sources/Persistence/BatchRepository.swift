import ClipGenCore

/// Batches: many jobs made at once from one set of settings. A store writes a batch with all of
/// its jobs or nothing, and settles it in the transaction that ends its last job
/// (`BatchTransitions.settled`), so its one webhook is queued exactly once.
public protocol BatchRepository: Sendable {
    /// Writes the batch, each job with its first task and `queued` event, in one transaction,
    /// and answers nil. With an idempotency key its owner used within the key's lifetime, writes
    /// nothing and answers that first batch, or throws `StoreError.idempotencyKeyReused` when
    /// its fingerprint differs.
    func createBatch(
        _ batch: Batch, jobs: [(job: Job, firstTask: TaskRecord)], idempotencyKey: IdempotencyKey?
    ) async throws -> Batch?
    /// The batch its owner made with this key within the key's lifetime; throws
    /// `StoreError.idempotencyKeyReused` when that one was asked for with another fingerprint.
    func batch(madeWith key: IdempotencyKey, ownerId: UserID, organizationId: OrganizationID) async throws -> Batch?
    /// The batch with its `counts`, or nil when the organisation has none with this id.
    func batch(id: BatchID, organizationId: OrganizationID) async throws -> Batch?
    /// Newest first, each with its `counts`.
    func batches(organizationId: OrganizationID, page: PageRequest) async throws -> Page<Batch>
    /// The batch's jobs as they are (summaries), oldest first.
    func batchJobs(id: BatchID, organizationId: OrganizationID) async throws -> [Job]
}
