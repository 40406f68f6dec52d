import ClipGenCore
import GRDB
import Persistence

extension SQLiteJobStore {
    public func workerSeen(_ id: String, capabilities: [Capability], region: String?) async throws {
        let now = self.now
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO workers (id, capabilities, region, registered_at, seen_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET capabilities = excluded.capabilities, region = excluded.region,
                        seen_at = excluded.seen_at
                    """, arguments: [id, WorkerPresence.encode(capabilities), region, now, now])
        }
    }

    public func workerGone(_ id: String) async throws {
        try await pool.write { db in try db.execute(sql: "DELETE FROM workers WHERE id = ?", arguments: [id]) }
    }

    public func liveWorkers(seenWithin seconds: Double) async throws -> [WorkerPresence] {
        let since = now - seconds
        return try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM workers WHERE seen_at >= ? ORDER BY registered_at, id", arguments: [since]
            ).map {
                WorkerPresence(
                    id: $0["id"], capabilities: WorkerPresence.decode($0["capabilities"]), region: $0["region"],
                    registeredAt: $0["registered_at"], seenAt: $0["seen_at"])
            }
        }
    }
}
