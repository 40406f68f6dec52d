import ClipGenCore
import NIOCore
import Synchronization

/// The encoded JSON of jobs that have finished (succeeded, failed or cancelled). Such a job
/// never changes again, and clients poll it; answering from here skips reading its clips and
/// encoding it, the largest costs of `GET /v1/jobs/{id}` once the database hop was made cheap.
/// The caller still asks the store whether the job exists with that status, so a job deleted
/// through another replica is never served. Bounded: emptied when full.
final class FinishedJobCache: Sendable {
    struct Entry: Sendable {
        var organizationId: OrganizationID
        var status: JobStatus
        var body: ByteBuffer
    }

    private let entries = Mutex<[JobID: Entry]>([:])
    private let capacity: Int

    init(capacity: Int = 2048) { self.capacity = capacity }

    func entry(for jobId: JobID, organizationId: OrganizationID) -> Entry? {
        entries.withLock { $0[jobId] }.flatMap { $0.organizationId == organizationId ? $0 : nil }
    }

    func store(_ job: Job, body: ByteBuffer) {
        guard job.status.isTerminal else { return }
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[job.id] = Entry(organizationId: job.organizationId, status: job.status, body: body)
        }
    }

    func remove(_ jobId: JobID) {
        _ = entries.withLock { $0.removeValue(forKey: jobId) }
    }
}
