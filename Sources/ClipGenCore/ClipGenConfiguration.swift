/// Everything ClipGen can be told, with a default for every field. Filled once at start-up
/// (flags > environment > file > defaults, see `ClipGenConfiguration+Reader` in the Server
/// module); nothing deeper reads the environment.
public struct ClipGenConfiguration: Sendable {
    public struct HTTP: Sendable {
        /// Address to bind; default 127.0.0.1.
        public var host = "127.0.0.1"
        /// Port to bind; default 8080. 0 picks a free port.
        public var port = 8080
        public init() {}
    }

    public struct Storage: Sendable {
        /// Root of the embedded backends: `clipgen.sqlite` and `blobs/`; default `./data`.
        public var dataDirectory = "./data"
        /// Largest accepted upload in bytes; default 10 GiB.
        public var maxUploadBytes: Int64 = 10 * 1024 * 1024 * 1024
        public init() {}
    }

    public struct Auth: Sendable {
        /// HS256 secret, at least 32 bytes; default: generated once and kept in the data directory.
        public var jwtSecret: String?
        /// Key id put in tokens' `kid` header, for rotation; default `k1`.
        public var jwtKeyID = "k1"
        /// Lifetime of access tokens in seconds; default 3600.
        public var tokenTTLSeconds = 3600
        /// Admin created on first start with an empty database; default admin@localhost.
        public var adminEmail = "admin@localhost"
        /// Its password; default: generated and printed once.
        public var adminPassword: String?
        /// bcrypt cost; default 12. Tests lower it.
        public var bcryptCost = 12
        public init() {}
    }

    public struct Workers: Sendable {
        /// Run workers inside `clipgen serve`; default true.
        public var inProcess = true
        /// Tasks run at once per worker process; default 2.
        public var concurrency = 2
        /// Capabilities this worker claims work for; default cpu.
        public var capabilities: [Capability] = [.cpu]
        /// How long a claimed task is reserved without a heartbeat; default 60 s.
        public var leaseSeconds = 60.0
        /// How often a running task renews its lease and notices cancellation; default 5 s.
        public var heartbeatSeconds = 5.0
        /// How often an idle worker looks for work; default 0.5 s.
        public var pollSeconds = 0.5
        /// Attempts per task before its job fails; default 3.
        public var maxAttempts = 3
        /// First retry delay, doubled per attempt; default 2 s.
        public var retryBaseSeconds = 2.0
        /// How long a stopping worker lets running tasks finish before releasing them; default 30 s.
        public var shutdownGraceSeconds = 30.0
        /// Port of a `clipgen worker`'s `/metrics` and `/healthz`; default none (no listener).
        public var metricsPort: Int?
        /// Address that listener binds; default 127.0.0.1.
        public var metricsHost = "127.0.0.1"
        public init() {}
    }

    public struct Media: Sendable {
        /// ffmpeg executable, looked up on PATH by default.
        public var ffmpegPath = "ffmpeg"
        /// ffprobe executable, looked up on PATH by default.
        public var ffprobePath = "ffprobe"
        /// Longest any one FFmpeg child may run; default 3600 s.
        public var timeoutSeconds = 3600.0
        /// Scratch space for renders; default `<dataDir>/tmp`.
        public var scratchDirectory: String?
        /// Most bytes of sources a worker keeps in its local cache; default 20 GiB.
        public var sourceCacheBytes: Int64 = 20 << 30
        public init() {}
    }

    public var http = HTTP()
    public var storage = Storage()
    public var auth = Auth()
    public var workers = Workers()
    public var media = Media()
    /// Log level: trace, debug, info, notice, warning, error; default info.
    public var logLevel = "info"

    public init() {}
}

extension ClipGenConfiguration {
    /// The job workflow with this configuration's retry policy; the API and every worker use the same.
    public var workflow: JobWorkflow {
        JobWorkflow(retry: RetryPolicy(maxAttempts: workers.maxAttempts, baseSeconds: workers.retryBaseSeconds))
    }
}
