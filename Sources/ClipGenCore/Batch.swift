import Foundation

public typealias BatchID = ID<Batch>

/// One set of job settings applied to many sources at once (`POST /v1/batches`). Its jobs are
/// ordinary jobs that name it (`JobRequest.batch`); it ends with the last of them, and only then
/// sends its one webhook.
public struct Batch: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable, CaseIterable {
        /// Some of its jobs are queued or running.
        case running
        /// Every job succeeded.
        case succeeded
        /// Some succeeded, some failed or were cancelled.
        case partial
        /// None succeeded and not every one was cancelled.
        case failed
        /// Every job was cancelled.
        case cancelled

        public var isTerminal: Bool { self != .running }
    }

    public var id: BatchID
    public var organizationId: OrganizationID
    public var ownerId: UserID
    public var name: String?
    /// The organisation's preset its jobs took, when it named one.
    public var preset: String?
    /// Where its one webhook goes when the last job ends.
    public var webhookUrl: String?
    /// Jobs it was made with.
    public var total: Int
    public var status: Status
    public var createdAt: Date
    public var finishedAt: Date?
    /// Its jobs by status as last read; nil when not read with them.
    public var counts: BatchCounts?

    public init(
        id: BatchID = .make(), organizationId: OrganizationID, ownerId: UserID, name: String? = nil,
        preset: String? = nil, webhookUrl: String? = nil, total: Int, status: Status = .running, createdAt: Date,
        finishedAt: Date? = nil, counts: BatchCounts? = nil
    ) {
        self.id = id
        self.organizationId = organizationId
        self.ownerId = ownerId
        self.name = name
        self.preset = preset
        self.webhookUrl = webhookUrl
        self.total = total
        self.status = status
        self.createdAt = createdAt
        self.finishedAt = finishedAt
        self.counts = counts
    }

    /// The most sources one batch takes.
    public static let maxSources = 500
}

/// A batch's jobs by status, and their progress summed (an ended job counts 1).
public struct BatchCounts: Codable, Sendable, Equatable {
    public var queued = 0
    public var running = 0
    public var succeeded = 0
    public var failed = 0
    public var cancelled = 0
    /// Sum of the unfinished jobs' progress; the ended ones add 1 each in `progress`.
    public var unfinishedProgress = 0.0

    public init() {}

    /// Adds `count` jobs of `status` whose progress sums to `progress`.
    public mutating func add(_ status: JobStatus, count: Int, progress: Double) {
        switch status {
        case .queued: queued += count
        case .running: running += count
        case .succeeded: succeeded += count
        case .failed: failed += count
        case .cancelled: cancelled += count
        }
        if !status.isTerminal { unfinishedProgress += progress }
    }

    public var total: Int { queued + running + succeeded + failed + cancelled }
    public var ended: Int { succeeded + failed + cancelled }

    /// 0…1 over every job the batch still has.
    public var progress: Double {
        total == 0 ? 1 : min(1, (Double(ended) + unfinishedProgress) / Double(total))
    }

    /// What a batch with these jobs is: running while any is unfinished, else by how they ended.
    public var status: Batch.Status {
        if queued + running > 0 { return .running }
        if succeeded == total { return .succeeded }
        if cancelled == total { return .cancelled }
        return succeeded > 0 ? .partial : .failed
    }
}
