import ClipGenCore
import Foundation
import Persistence
import Synchronization

/// Batches, in the same critical section as their jobs.
extension MemoryJobStore {
    public func createBatch(
        _ batch: Batch, jobs: [(job: Job, firstTask: TaskRecord)], idempotencyKey: IdempotencyKey?
    ) async throws -> Batch? {
        let now = self.now
        return try state.withLock { state -> Batch? in
            let key = idempotencyKey.map { "\(batch.organizationId)|\(batch.ownerId)|\($0.key)" }
            if let key, let idempotencyKey, let entry = state.batchKeys[key], let earlier = state.batches[entry.batch],
                earlier.createdAt.timeIntervalSince1970 > now - idempotencyKey.lifetime
            {
                guard entry.fingerprint == idempotencyKey.fingerprint else { throw StoreError.idempotencyKeyReused }
                return earlier
            }
            if let key, let idempotencyKey { state.batchKeys[key] = (batch.id, idempotencyKey.fingerprint) }
            state.batches[batch.id] = batch
            for (job, task) in jobs {
                state.jobs[job.id] = job
                state.queue(task, now: now)
                Self.apply(
                    JobTransitions.created(job, at: Date(timeIntervalSince1970: now)), to: job.id, &state, now: now)
            }
            return nil
        }
    }

    public func batch(madeWith key: IdempotencyKey, ownerId: UserID, organizationId: OrganizationID) async throws
        -> Batch?
    {
        let now = self.now
        return try state.withLock { state -> Batch? in
            guard let entry = state.batchKeys["\(organizationId)|\(ownerId)|\(key.key)"],
                let batch = state.batches[entry.batch], batch.createdAt.timeIntervalSince1970 > now - key.lifetime
            else { return nil }
            guard entry.fingerprint == key.fingerprint else { throw StoreError.idempotencyKeyReused }
            return batch
        }
    }

    public func batch(id: BatchID, organizationId: OrganizationID) async throws -> Batch? {
        state.withLock { state in
            guard var batch = state.batches[id], batch.organizationId == organizationId else { return nil }
            batch.counts = Self.counts(of: id, in: state)
            return batch
        }
    }

    public func batches(organizationId: OrganizationID, page: PageRequest) async throws -> Page<Batch> {
        let batches = state.withLock { state in
            state.batches.values.filter { $0.organizationId == organizationId }.map { batch in
                var batch = batch
                batch.counts = Self.counts(of: batch.id, in: state)
                return batch
            }
        }
        return try Self.page(batches, page: page, createdAt: \.createdAt, id: \.id)
    }

    public func batchJobs(id: BatchID, organizationId: OrganizationID) async throws -> [Job] {
        state.withLock { state in
            state.jobs.values.filter { $0.request.batch == id && $0.organizationId == organizationId }
                .sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }.map(Self.summary)
        }
    }

    static func counts(of id: BatchID, in state: State) -> BatchCounts {
        var counts = BatchCounts()
        for job in state.jobs.values where job.request.batch == id {
            counts.add(job.status, count: 1, progress: job.progress)
        }
        return counts
    }

    static func settleBatch(_ id: BatchID, by event: JobEvent, _ state: inout State, now: Double) {
        guard let batch = state.batches[id],
            let (ended, delivery) = BatchTransitions.settled(
                batch, counts: counts(of: id, in: state), by: event, at: Date(timeIntervalSince1970: now))
        else { return }
        var stored = ended
        stored.counts = nil
        state.batches[id] = stored
        if let delivery { state.deliveries.append((delivery, now)) }
    }
}
