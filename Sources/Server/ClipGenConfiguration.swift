import API
import BlobStorage
import BlobStorageS3
import ClipGenCore
import Delivery
import MediaEngine
import Outbound
import RedisSupport
import Workers

/// Everything one ClipGen process can be told: each part owned, documented and read by the
/// module that uses it; the data directory and log level are the process's own. Filled once at
/// start-up by `ConfigurationLoader` (flags > environment > file > defaults); nothing deeper reads
/// the environment.
public struct ClipGenConfiguration: Sendable {
    public var api = APIConfiguration()
    /// Retries of webhook deliveries.
    public var webhooks = WebhookDispatcherSettings()
    public var workers = WorkerConfiguration()
    public var retry = RetryPolicy()
    public var media = MediaConfiguration()
    public var outbound = OutboundConfiguration()
    /// Root of the embedded backends: `clipgen.sqlite`, `blobs/` and `tmp/`; default `./data`.
    public var dataDirectory = "./data"
    /// The database: `sqlite:PATH` or `postgres://user:password@host:port/database`; default SQLite in the data
    /// directory.
    public var databaseURL: String?
    /// A PostgreSQL server for reads that tolerate staleness (reports, gauges): in a region whose
    /// primary is elsewhere, its own standby. Only with a PostgreSQL `databaseURL`.
    public var databaseReadURL: String?
    /// An S3-compatible store for blobs; nil keeps them under the data directory.
    public var s3: S3Configuration?
    /// Where `clipgen admin backup` writes `s3://` backups.
    public var backup = BackupConfiguration()
    /// Keys that seal stored media; nil stores it as it is.
    public var encryption: EncryptionKeyRing?
    /// Redis for events across replicas and shared counters; nil keeps them in-process.
    public var redis: RedisConfiguration?
    /// Log level: trace, debug, info, notice, warning, error; default info.
    public var logLevel = "info"
    /// Logs to this file, rotated by size, instead of stderr; nil: stderr.
    public var logFile: LogFile.Settings?

    public init() {}

    /// The job workflow with this configuration's retry policy; the API and every worker use the same.
    public var workflow: JobWorkflow { JobWorkflow(retry: retry) }

    /// This process's own keys; the modules list theirs.
    static let keys = [
        ConfigurationKey("dataDir", "directory for the SQLite database, blobs and scratch space (./data)"),
        ConfigurationKey(
            "databaseUrl",
            """
            the database: sqlite:PATH or postgres://user:password@host:port/database, several hosts comma-separated \
            (host1:port1,host2:port2) for a primary and its standbys (SQLite in the data directory)
            """),
        ConfigurationKey(
            "databaseReadUrl",
            """
            a PostgreSQL server for reads that tolerate staleness (analytics and quality reports, queue gauges), \
            typically this region's standby; the primary answers when it cannot (none)
            """),
        ConfigurationKey("logLevel", "trace, debug, info, notice, warning, error (info)"),
        ConfigurationKey("logFile", "write the JSON log lines to this file instead of stderr, rotated by size (none)"),
        ConfigurationKey("logMaxBytes", "size at which the log file is rotated to FILE.1 (10485760)"),
        ConfigurationKey("logFiles", "rotated log files kept beside the current one (5)"),
    ]
}
