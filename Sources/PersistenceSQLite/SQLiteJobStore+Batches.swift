import ClipGenCore
import Foundation
import GRDB
import Persistence

/// Batches: written with their jobs in one transaction, settled in the one that ends their last
/// job (SQLite's single writer orders them).
extension SQLiteJobStore {
    public func createBatch(
        _ batch: Batch, jobs: [(job: Job, firstTask: TaskRecord)], idempotencyKey: IdempotencyKey?
    ) async throws -> Batch? {
        let now = self.now
        return try await pool.write { db -> Batch? in
            if let key = idempotencyKey,
                let row = try Row.fetchOne(
                    db,
                    sql: "SELECT * FROM batches WHERE organization_id = ? AND owner_id = ? AND idempotency_key = ?",
                    arguments: [batch.organizationId, batch.ownerId, key.key])
            {
                let earlier = try Batch(row: row)
                if earlier.createdAt.timeIntervalSince1970 > now - key.lifetime {
                    guard row["fingerprint"] == key.fingerprint else { throw StoreError.idempotencyKeyReused }
                    return earlier
                }
                try db.execute(sql: "UPDATE batches SET idempotency_key = NULL WHERE id = ?", arguments: [earlier.id])
            }
            try db.execute(
                sql: """
                    INSERT INTO batches (id, organization_id, owner_id, name, preset, webhook_url, total, status,
                        created_at, idempotency_key, fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    batch.id, batch.organizationId, batch.ownerId, batch.name, batch.preset, batch.webhookUrl,
                    batch.total, batch.status.rawValue, batch.createdAt.timeIntervalSince1970, idempotencyKey?.key,
                    idempotencyKey?.fingerprint,
                ])
            for (job, task) in jobs {
                try Self.insertJob(job, firstTask: task, db, now: now)
                try Self.apply(
                    JobTransitions.created(job, at: Date(timeIntervalSince1970: now)), to: job.id, db, now: now)
            }
            return nil
        }
    }

    public func batch(madeWith key: IdempotencyKey, ownerId: UserID, organizationId: OrganizationID) async throws
        -> Batch?
    {
        let now = self.now
        return try read { db -> Batch? in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT * FROM batches WHERE organization_id = ? AND owner_id = ? AND idempotency_key = ?
                            AND created_at > ?
                        """, arguments: [organizationId, ownerId, key.key, now - key.lifetime])
            else { return nil }
            guard row["fingerprint"] == key.fingerprint else { throw StoreError.idempotencyKeyReused }
            return try Batch(row: row)
        }
    }

    public func batch(id: BatchID, organizationId: OrganizationID) async throws -> Batch? {
        try await pool.read { db in
            guard
                var batch = try Row.fetchOne(
                    db, sql: "SELECT * FROM batches WHERE id = ? AND organization_id = ?",
                    arguments: [id, organizationId]
                ).map(Batch.init(row:))
            else { return nil }
            batch.counts = try Self.batchCounts(db, ids: [id])[id] ?? BatchCounts()
            return batch
        }
    }

    public func batches(organizationId: OrganizationID, page: PageRequest) async throws -> Page<Batch> {
        try await pool.read { db in
            var page = try Self.page(
                db, table: "batches", filter: "organization_id = ?", arguments: [organizationId], page: page,
                map: Batch.init(row:))
            let counts = try Self.batchCounts(db, ids: page.items.map(\.id))
            for index in page.items.indices { page.items[index].counts = counts[page.items[index].id] ?? BatchCounts() }
            return page
        }
    }

    public func batchJobs(id: BatchID, organizationId: OrganizationID) async throws -> [Job] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.jobSummaryColumns) FROM jobs WHERE batch_id = ? AND organization_id = ?
                    ORDER BY created_at, id
                    """, arguments: [id, organizationId]
            ).map(Job.init(row:))
        }
    }

    static func batchCounts(_ db: Database, ids: [BatchID]) throws -> [BatchID: BatchCounts] {
        guard !ids.isEmpty else { return [:] }
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ", ")
        var counts: [BatchID: BatchCounts] = [:]
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT batch_id, status, COUNT(*) AS n, SUM(progress) AS p FROM jobs WHERE batch_id IN (\(marks))
                GROUP BY batch_id, status
                """, arguments: StatementArguments(ids))
        {
            guard let status = JobStatus(rawValue: row["status"]) else { continue }
            counts[row["batch_id"], default: BatchCounts()].add(status, count: row["n"], progress: row["p"])
        }
        return counts
    }

    /// Inside the transaction that ended one of the batch's jobs.
    static func settleBatch(_ id: BatchID, by event: JobEvent, _ db: Database, now: Double) throws {
        guard
            let batch = try Row.fetchOne(db, sql: "SELECT * FROM batches WHERE id = ?", arguments: [id]).map(
                Batch.init(row:)),
            let (ended, delivery) = BatchTransitions.settled(
                batch, counts: try batchCounts(db, ids: [id])[id] ?? BatchCounts(), by: event,
                at: Date(timeIntervalSince1970: now))
        else { return }
        try db.execute(
            sql: "UPDATE batches SET status = ?, finished_at = ? WHERE id = ?",
            arguments: [ended.status.rawValue, now, id])
        if let delivery { try insertDelivery(delivery, db) }
    }
}

extension Batch {
    init(row: Row) throws {
        let raw: String = row["status"]
        guard let status = Batch.Status(rawValue: raw) else {
            throw DatabaseError(message: "unexpected batch status '\(raw)' in the database")
        }
        self.init(
            id: row["id"], organizationId: row["organization_id"], ownerId: row["owner_id"], name: row["name"],
            preset: row["preset"], webhookUrl: row["webhook_url"], total: row["total"], status: status,
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            finishedAt: (row["finished_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
    }
}
