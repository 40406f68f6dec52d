import ClipGenCore
import Foundation
import Persistence
import PostgresNIO

/// Batches: written with their jobs in one transaction, settled in the one that ends their last
/// job. The batch's row lock orders jobs of one batch that end at once, so the last to commit
/// sees every other one ended and exactly one transaction settles it.
extension PostgresJobStore {
    public func createBatch(
        _ batch: Batch, jobs: [(job: Job, firstTask: TaskRecord)], idempotencyKey: IdempotencyKey?
    ) async throws -> Batch? {
        let now = self.now
        return try await transaction { connection -> Batch? in
            if let key = idempotencyKey {
                try await self.execute(
                    """
                    UPDATE batches SET idempotency_key = NULL WHERE organization_id = \(batch.organizationId)
                        AND owner_id = \(batch.ownerId) AND idempotency_key = \(key.key)
                        AND created_at <= \(now - key.lifetime)
                    """, on: connection)
            }
            // The same key racing this request: whichever inserts first wins; the other waits for
            // it to commit, inserts nothing and answers with its batch.
            let inserted = try await self.one(
                """
                INSERT INTO batches (id, organization_id, owner_id, name, preset, webhook_url, total, status,
                    created_at, idempotency_key, fingerprint)
                VALUES (\(batch.id), \(batch.organizationId), \(batch.ownerId), \(batch.name), \(batch.preset),
                    \(batch.webhookUrl), \(batch.total), \(batch.status.rawValue),
                        \(batch.createdAt.timeIntervalSince1970), \(idempotencyKey?.key), \(idempotencyKey?.fingerprint))
                ON CONFLICT (organization_id, owner_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
                RETURNING id
                """, on: connection
            ) { try $0.get("id", as: BatchID.self) }
            if inserted == nil, let key = idempotencyKey {
                let earlier = try await self.one(
                    """
                    SELECT * FROM batches WHERE organization_id = \(batch.organizationId)
                        AND owner_id = \(batch.ownerId) AND idempotency_key = \(key.key)
                    """, on: connection
                ) { (try Batch(row: $0), try $0.get("fingerprint", as: String?.self)) }
                guard let (found, fingerprint) = earlier else { throw StoreError.conflict("try the batch again") }
                guard fingerprint == key.fingerprint else { throw StoreError.idempotencyKeyReused }
                return found
            }
            for (job, task) in jobs {
                try await self.insertJob(job, firstTask: task, now: now, on: connection)
                try await self.apply(
                    JobTransitions.created(job, at: Date(timeIntervalSince1970: now)), to: job.id, now: now,
                    on: connection)
            }
            return nil
        }
    }

    public func batch(madeWith key: IdempotencyKey, ownerId: UserID, organizationId: OrganizationID) async throws
        -> Batch?
    {
        guard
            let (batch, fingerprint) = try await one(
                """
                SELECT * FROM batches WHERE organization_id = \(organizationId) AND owner_id = \(ownerId)
                    AND idempotency_key = \(key.key) AND created_at > \(now - key.lifetime)
                """, { (try Batch(row: $0), try $0.get("fingerprint", as: String?.self)) })
        else { return nil }
        guard fingerprint == key.fingerprint else { throw StoreError.idempotencyKeyReused }
        return batch
    }

    public func batch(id: BatchID, organizationId: OrganizationID) async throws -> Batch? {
        guard
            var batch = try await one(
                "SELECT * FROM batches WHERE id = \(id) AND organization_id = \(organizationId)", Batch.init(row:))
        else { return nil }
        batch.counts = try await batchCounts(ids: [id])[id] ?? BatchCounts()
        return batch
    }

    public func batches(organizationId: OrganizationID, page: PageRequest) async throws -> Page<Batch> {
        var page = try await self.page(
            table: "batches", columns: "*", organizationId: organizationId, status: nil, page: page,
            map: Batch.init(row:))
        let counts = try await batchCounts(ids: page.items.map(\.id))
        for index in page.items.indices { page.items[index].counts = counts[page.items[index].id] ?? BatchCounts() }
        return page
    }

    public func batchJobs(id: BatchID, organizationId: OrganizationID) async throws -> [Job] {
        try await all(
            """
            SELECT \(unescaped: Self.jobSummaryColumns) FROM jobs WHERE batch_id = \(id)
                AND organization_id = \(organizationId) ORDER BY created_at, id
            """, Job.init(row:))
    }

    func batchCounts(ids: [BatchID], on connection: PostgresConnection? = nil) async throws -> [BatchID: BatchCounts] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await all(
            """
            SELECT batch_id, status, COUNT(*) AS n, SUM(progress) AS p FROM jobs
            WHERE batch_id = ANY(\(ids.map(\.rawValue))::text[]) GROUP BY batch_id, status
            """, on: connection
        ) { row in
            (
                try row.get("batch_id", as: BatchID.self), try row.get("status", as: String.self),
                try row.get("n", as: Int.self), try row.get("p", as: Double.self)
            )
        }
        var counts: [BatchID: BatchCounts] = [:]
        for (id, raw, n, progress) in rows {
            guard let status = JobStatus(rawValue: raw) else { continue }
            counts[id, default: BatchCounts()].add(status, count: n, progress: progress)
        }
        return counts
    }

    /// Inside the transaction that ended one of the batch's jobs, with the batch's row locked.
    func settleBatch(_ id: BatchID, by event: JobEvent, now: Double, on connection: PostgresConnection) async throws {
        guard
            let batch = try await one(
                "SELECT * FROM batches WHERE id = \(id) FOR UPDATE", on: connection, Batch.init(row:)),
            let (ended, delivery) = BatchTransitions.settled(
                batch, counts: try await batchCounts(ids: [id], on: connection)[id] ?? BatchCounts(), by: event,
                at: Date(timeIntervalSince1970: now))
        else { return }
        try await execute(
            "UPDATE batches SET status = \(ended.status.rawValue), finished_at = \(now) WHERE id = \(id)",
            on: connection)
        if let delivery { try await insertDelivery(delivery, on: connection) }
    }
}

extension Batch {
    init(row: PostgresRandomAccessRow) throws {
        self.init(
            id: try row.get("id"), organizationId: try row.get("organization_id"), ownerId: try row.get("owner_id"),
            name: try row.get("name"), preset: try row.get("preset"), webhookUrl: try row.get("webhook_url"),
            total: try row.get("total"), status: try row.enumValue("status"), createdAt: try row.date("created_at")!,
            finishedAt: try row.date("finished_at"))
    }
}
