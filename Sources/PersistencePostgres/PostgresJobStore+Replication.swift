import Persistence
import PostgresNIO

extension PostgresJobStore {
    public func databaseReplication() async throws -> DatabaseReplication? {
        // Without pg_monitor (or superuser), pg_stat_replication lists the standbys with their
        // columns NULL: that is "not allowed to see", not "caught up".
        try await one(
            """
            SELECT
                (SELECT COUNT(*) FROM pg_stat_replication WHERE state IS NULL) AS hidden,
                (SELECT COUNT(*) FROM pg_stat_replication WHERE state = 'streaming') AS streaming,
                COALESCE((SELECT MAX(EXTRACT(EPOCH FROM replay_lag)) FROM pg_stat_replication), 0)::float8 AS seconds,
                GREATEST(
                    COALESCE((SELECT MAX(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)) FROM pg_stat_replication), 0),
                    COALESCE((SELECT MAX(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)) FROM pg_replication_slots
                        WHERE NOT active AND slot_type = 'physical'), 0))::int8 AS bytes,
                (SELECT COUNT(*) FROM pg_replication_slots WHERE NOT active AND slot_type = 'physical') AS inactive
            """
        ) { row -> DatabaseReplication? in
            guard try row.get("hidden", as: Int64.self) == 0 else { return nil }
            return DatabaseReplication(
                streaming: Int(try row.get("streaming", as: Int64.self)),
                lagSeconds: try row.get("seconds", as: Double.self),
                lagBytes: try row.get("bytes", as: Int64.self),
                inactiveSlots: Int(try row.get("inactive", as: Int64.self)))
        } ?? nil
    }
}
