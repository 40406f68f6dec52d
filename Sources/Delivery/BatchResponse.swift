import ClipGenCore
import Foundation

/// A batch as `GET /v1/batches/{id}` shows it, and as its webhook sends it when it ends.
public struct BatchResponse: Codable, Sendable {
    public struct Counts: Codable, Sendable {
        public var queued: Int
        public var running: Int
        public var succeeded: Int
        public var failed: Int
        public var cancelled: Int
    }

    /// One of its jobs, in the order of the sources it was made from.
    public struct Member: Codable, Sendable {
        public var id: JobID
        public var status: JobStatus
        public var progress: Double
        public var source: JobRequest.Source
        public var error: JobError?
    }

    public var id: BatchID
    public var name: String?
    public var preset: String?
    public var status: Batch.Status
    public var total: Int
    public var counts: Counts
    public var progress: Double
    public var webhookUrl: String?
    public var createdAt: Date
    public var finishedAt: Date?
    /// On `GET /v1/batches/{id}` only.
    public var jobs: [Member]?

    public init(_ batch: Batch, jobs: [Job]? = nil) {
        let counts = batch.counts ?? BatchCounts()
        id = batch.id
        name = batch.name
        preset = batch.preset
        status = batch.status
        total = batch.total
        self.counts = Counts(
            queued: counts.queued, running: counts.running, succeeded: counts.succeeded, failed: counts.failed,
            cancelled: counts.cancelled)
        progress = EventMessage.shown(counts.progress)
        webhookUrl = batch.webhookUrl
        createdAt = batch.createdAt
        finishedAt = batch.finishedAt
        self.jobs = jobs?.map {
            Member(
                id: $0.id, status: $0.status, progress: EventMessage.shown($0.progress),
                source: $0.request.source, error: $0.error)
        }
    }
}

/// A batch's webhook body: sent once, when its last job ended.
public struct BatchMessage: Encodable, Sendable {
    public var type = "batch"
    public var batchId: BatchID
    public var status: Batch.Status
    public var batch: BatchResponse
    public var at: Date

    public init(_ batch: Batch) {
        batchId = batch.id
        status = batch.status
        self.batch = BatchResponse(batch)
        at = batch.finishedAt ?? batch.createdAt
    }
}
