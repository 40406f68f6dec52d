import Persistence

extension MemoryJobStore {
    /// One process's memory has no standby.
    public func databaseReplication() async throws -> DatabaseReplication? { nil }
}
