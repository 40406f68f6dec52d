/// The database's side of a backup, one implementation per database ClipGen runs on.
protocol DatabaseSnapshot: Sendable {
    /// Written into the manifest; a backup restores only into the same kind.
    var kind: String { get }
    /// The dump's name in the backup: `database.<fileExtension>`.
    var fileExtension: String { get }
    /// Writes a consistent dump of the database, as of one transaction, to `path` while the
    /// service keeps running.
    func dump(to path: String) async throws
    /// Whether the database holds no tables yet: a restore never writes over data.
    func isEmpty() async throws -> Bool
    /// Loads a dump made by `dump(to:)` into the empty database, all of it or nothing.
    func load(from path: String) async throws
}

extension DatabaseLocation {
    /// The snapshot side of the configured database.
    var snapshot: any DatabaseSnapshot {
        get throws {
            switch self {
            case .sqlite(let path): SQLiteDatabaseSnapshot(path: path)
            case .postgres(let url): try PostgresDatabaseSnapshot(url: url)
            }
        }
    }
}
