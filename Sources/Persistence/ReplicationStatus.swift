/// How far the database's standbys are behind, as the primary sees them: exported as
/// `replication_lag_seconds{kind="database"}` and alerted on, so an asynchronous standby that
/// falls behind (what a failover would lose) or drops away is noticed before it is needed.
public protocol ReplicationStatus: Sendable {
    /// nil where the store has no standbys to speak of (SQLite, memory) or the database user may
    /// not read the replication statistics (PostgreSQL: grant it `pg_monitor`).
    func databaseReplication() async throws -> DatabaseReplication?
}

public struct DatabaseReplication: Sendable, Equatable {
    /// Standbys streaming from the primary now.
    public var streaming: Int
    /// The replay lag of the furthest streaming standby, in seconds; 0 when all have replayed
    /// everything (PostgreSQL reports no lag for a standby that is caught up and idle).
    public var lagSeconds: Double
    /// Write-ahead log not yet replayed by the furthest standby, or kept for a replication slot
    /// whose standby is away, in bytes.
    public var lagBytes: Int64
    /// Replication slots no standby is using: a standby that is gone, while the primary keeps its
    /// write-ahead log (which fills the primary's disk if it never comes back).
    public var inactiveSlots: Int

    public init(streaming: Int, lagSeconds: Double, lagBytes: Int64, inactiveSlots: Int) {
        self.streaming = streaming
        self.lagSeconds = lagSeconds
        self.lagBytes = lagBytes
        self.inactiveSlots = inactiveSlots
    }
}
