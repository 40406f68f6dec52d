import ClipGenCore
import Persistence
import PostgresNIO

extension PostgresJobStore {
    public func workerSeen(_ id: String, capabilities: [Capability], region: String?) async throws {
        let now = self.now
        try await run(
            """
            INSERT INTO workers (id, capabilities, region, registered_at, seen_at)
            VALUES (\(id), \(WorkerPresence.encode(capabilities)), \(region), \(now), \(now))
            ON CONFLICT (id) DO UPDATE SET capabilities = excluded.capabilities, region = excluded.region,
                seen_at = excluded.seen_at
            """)
    }

    public func workerGone(_ id: String) async throws {
        try await run("DELETE FROM workers WHERE id = \(id)")
    }

    public func liveWorkers(seenWithin seconds: Double) async throws -> [WorkerPresence] {
        try await all(
            "SELECT * FROM workers WHERE seen_at >= \(now - seconds) ORDER BY registered_at, id"
        ) {
            WorkerPresence(
                id: try $0.get("id"), capabilities: WorkerPresence.decode(try $0.get("capabilities")),
                region: try $0.get("region"), registeredAt: try $0.get("registered_at"), seenAt: try $0.get("seen_at"))
        }
    }
}
