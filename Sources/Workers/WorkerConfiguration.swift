import ClipGenCore
import Foundation

/// How a process's workers behave, with a default for every field.
public struct WorkerConfiguration: Sendable {
    /// Run workers inside `clipgen serve`; default true.
    public var inProcess = true
    /// Tasks run at once per worker process; default 2.
    public var concurrency = 2
    /// Capabilities this worker claims work for; default cpu.
    public var capabilities: [Capability] = [.cpu]
    /// How long GPU-preferring work waits for a live GPU worker before a CPU worker takes it; default 15 s.
    public var fallbackSeconds = 15.0
    /// FFmpeg encoders a worker asked for `gpu` tries, in order; the first that encodes a frame
    /// is used. Default h264_nvenc, h264_vaapi.
    public var gpuEncoders: [String] = ["h264_nvenc", "h264_vaapi"]
    /// How long a claimed task is reserved without a heartbeat; default 60 s.
    public var leaseSeconds = 60.0
    /// How often a running task renews its lease and notices cancellation; default 5 s.
    public var heartbeatSeconds = 5.0
    /// How often an idle worker looks for work; default 0.5 s.
    public var pollSeconds = 0.5
    /// How long a stopping worker lets running tasks finish before releasing them; default 30 s.
    public var shutdownGraceSeconds = 30.0
    /// How often local copies of deleted uploads and clips are looked for and removed; default 30 s.
    public var sourceSweepSeconds = 30.0
    /// Port of a `clipgen worker`'s `/metrics` and `/healthz`; default none (no listener).
    public var metricsPort: Int?
    /// Address that listener binds; default 127.0.0.1.
    public var metricsHost = "127.0.0.1"
    /// Where this worker runs (its keys are listed with the API's, which reads them too).
    public var region = RegionConfiguration()
    /// `sync`: a task's files must be readable in the second region (`CLIPGEN_S3_REPLICA_ENDPOINT`)
    /// before it completes; default false (`async`).
    public var synchronousReplication = false
    /// How long a task waits for its files to reach the second region before it is retried; default 300 s.
    public var replicationTimeoutSeconds = 300.0

    public init() {}

    public static let keys = [
        ConfigurationKey("workersInProcess", "run workers inside serve (true)"),
        ConfigurationKey("workerConcurrency", "tasks run at once per worker (2)"),
        ConfigurationKey("workerCapabilities", "comma-separated: cpu,gpu (cpu)"),
        ConfigurationKey("fallbackSeconds", "how long gpu-preferring work waits for a live gpu worker (15)"),
        ConfigurationKey("gpuEncoders", "encoders a gpu worker tries, in order (h264_nvenc,h264_vaapi)"),
        ConfigurationKey("leaseSeconds", "task lease length (60)"),
        ConfigurationKey("heartbeatSeconds", "lease renewal and cancellation check interval (5)"),
        ConfigurationKey("pollSeconds", "idle worker poll interval (0.5)"),
        ConfigurationKey("shutdownGraceSeconds", "time running tasks get to finish on SIGTERM (30)"),
        ConfigurationKey("sourceSweepSeconds", "how often cached copies of deleted uploads and clips are removed (30)"),
        ConfigurationKey("metricsPort", "port of a worker's /metrics and /healthz (none)"),
        ConfigurationKey("metricsHost", "address that listener binds (127.0.0.1)"),
        ConfigurationKey(
            "replication",
            "sync: a clip is ready only once the second region's store (s3ReplicaEndpoint) can read it; async (async)"),
        ConfigurationKey(
            "replicationTimeoutSeconds", "how long a task waits for its files to reach the second region (300)"),
    ]

    public init(reading values: some ConfigurationValues) throws {
        self.init()
        inProcess = try values.bool("workersInProcess") ?? inProcess
        concurrency = try values.int("workerConcurrency", in: 1...256) ?? concurrency
        if let raw = values.string("workerCapabilities") {
            capabilities = try raw.split(separator: ",").map { name in
                guard let capability = Capability(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                    throw ConfigurationProblem.invalid(
                        key: ConfigurationKey.environmentName("workerCapabilities"),
                        reason: "'\(name)' is not one of cpu, gpu")
                }
                return capability
            }
        }
        fallbackSeconds = try values.double("fallbackSeconds", in: 0...86_400) ?? fallbackSeconds
        if let raw = values.string("gpuEncoders") {
            gpuEncoders = raw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
                !$0.isEmpty
            }
        }
        leaseSeconds = try values.double("leaseSeconds", in: 1...86_400) ?? leaseSeconds
        heartbeatSeconds = try values.double("heartbeatSeconds", in: 0.1...3600) ?? heartbeatSeconds
        if heartbeatSeconds >= leaseSeconds {
            throw ConfigurationProblem.invalid(
                key: ConfigurationKey.environmentName("heartbeatSeconds"), reason: "must be shorter than the lease")
        }
        pollSeconds = try values.double("pollSeconds", in: 0.01...60) ?? pollSeconds
        shutdownGraceSeconds = try values.double("shutdownGraceSeconds", in: 0...86_400) ?? shutdownGraceSeconds
        sourceSweepSeconds = try values.double("sourceSweepSeconds", in: 0.1...86_400) ?? sourceSweepSeconds
        metricsPort = try values.int("metricsPort", in: 0...65535)
        metricsHost = values.string("metricsHost") ?? metricsHost
        region = try RegionConfiguration(reading: values)
        switch values.string("replication") ?? "async" {
        case "sync": synchronousReplication = true
        case "async": synchronousReplication = false
        case let other:
            throw ConfigurationProblem.invalid(
                key: ConfigurationKey.environmentName("replication"), reason: "'\(other)' is not sync or async")
        }
        replicationTimeoutSeconds =
            try values.double("replicationTimeoutSeconds", in: 1...86_400) ?? replicationTimeoutSeconds
    }
}
