import Persistence

extension SQLiteJobStore {
    /// A SQLite file has no standby (a backup is a copy, not a replica).
    public func databaseReplication() async throws -> DatabaseReplication? { nil }
}
