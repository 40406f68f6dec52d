import ClipGenCore
import Foundation

/// How one worker process behaves, from its `WorkerConfiguration`.
public struct WorkerSettings: Sendable {
    /// Names this worker in leases; unique per process.
    public var workerID: String
    public var concurrency: Int
    public var capabilities: [Capability]
    public var lease: Double
    /// Seconds work that prefers another capability waits for a worker with it, when one is alive.
    public var fallbackWait: Double
    public var heartbeat: Duration
    public var poll: Duration
    public var shutdownGrace: Duration
    /// How often the source cache is swept of deleted and idle copies.
    public var sourceSweep: Duration
    /// This worker's region; nil: it takes every region's work.
    public var region: String?
    /// How long another region may go without a live worker before this one takes its work.
    public var regionTakeover: Double

    public init(_ configuration: WorkerConfiguration, workerID: String? = nil) {
        self.workerID = workerID ?? "\(ProcessInfo.processInfo.hostName)-\(getpid())-\(Identifier.make().prefix(8))"
        self.concurrency = max(1, configuration.concurrency)
        self.capabilities = configuration.capabilities
        self.lease = configuration.leaseSeconds
        self.fallbackWait = configuration.fallbackSeconds
        self.heartbeat = .seconds(configuration.heartbeatSeconds)
        self.poll = .seconds(configuration.pollSeconds)
        self.shutdownGrace = .seconds(configuration.shutdownGraceSeconds)
        self.sourceSweep = .seconds(configuration.sourceSweepSeconds)
        self.region = configuration.region.name
        self.regionTakeover = configuration.region.takeoverSeconds
    }
}
