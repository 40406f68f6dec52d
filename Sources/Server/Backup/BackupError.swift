/// Why a backup, restore or verification stopped, worded for the operator running it.
public enum BackupError: Error, Equatable, CustomStringConvertible {
    /// `--to`/`--from` is neither a directory nor `s3://bucket/prefix`.
    case badLocation(String, reason: String)
    /// The location holds no backup, or not the snapshot asked for.
    case noBackup(String)
    /// A restore target already holds data: restoring never overwrites.
    case notEmpty(String)
    /// Stored bytes that do not match the manifest.
    case damaged(key: String, reason: String)
    /// A database tool failed or is missing.
    case tool(name: String, reason: String)
    /// The backup's blobs are sealed and no keys are configured to open them.
    case encryptionKeysMissing
    /// There is nothing to back up at the configured place.
    case noDatabase(String)

    public var description: String {
        switch self {
        case .badLocation(let location, let reason): "'\(location)' is not a backup location: \(reason)"
        case .noBackup(let reason): reason
        case .notEmpty(let reason): "\(reason); restore only into an empty database and blob store"
        case .damaged(let key, let reason): "the backup's '\(key)' is damaged: \(reason)"
        case .tool(let name, let reason): "\(name) failed: \(reason)"
        case .encryptionKeysMissing:
            """
            the backup's media is sealed with the service's encryption keys; set CLIPGEN_ENCRYPTION_KEYS \
            (and CLIPGEN_ENCRYPTION_KEY_ID) to the keys it was taken with before restoring
            """
        case .noDatabase(let path): "there is no database at \(path); check --data-dir or CLIPGEN_DATABASE_URL"
        }
    }
}
