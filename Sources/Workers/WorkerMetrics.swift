import ClipGenCore
import CoreMetrics
import Metrics
import Synchronization

/// What a worker counts, through whatever metrics backend the process set up (Prometheus,
/// served on the worker's own `/metrics`).
public struct WorkerMetrics: Sendable {
    let factory: any MetricsFactory

    public init(factory: any MetricsFactory) {
        self.factory = factory
    }

    /// `worker_encoder{encoder,worker}` = 1: which H.264 encoder this worker renders mp4 with.
    func encoderInUse(_ encoder: String, worker: String) {
        Gauge(label: "worker_encoder", dimensions: [("encoder", encoder), ("worker", worker)], factory: factory).record(
            1)
    }

    /// `processing_seconds{stage}`: how long finished tasks took (a histogram), and
    /// `media_seconds_processed_total{stage}`: the media they covered (the source for probe and
    /// analyze, each clip for render), so render speed is one rate over the other.
    func finished(_ kind: TaskKind, after elapsed: Duration, mediaSeconds: Double) {
        Timer(label: "processing_seconds", dimensions: [("stage", kind.rawValue)], factory: factory).record(
            duration: elapsed)
        if mediaSeconds > 0 {
            FloatingPointCounter(
                label: "media_seconds_processed_total", dimensions: [("stage", kind.rawValue)], factory: factory
            )
            .increment(by: mediaSeconds)
        }
    }

    /// `clips_rendered_total{encoder,format,mode}`.
    func rendered(_ clip: Clip) {
        Counter(
            label: "clips_rendered_total",
            dimensions: [
                ("encoder", clip.encoder ?? "unknown"), ("format", clip.format.rawValue),
                ("mode", clip.modeUsed.rawValue),
            ], factory: factory
        ).increment()
    }

    /// `error_total{code}`: failed task attempts.
    func failed(_ code: JobError.Code) {
        Counter(label: "error_total", dimensions: [("code", code.rawValue)], factory: factory).increment()
    }

    /// `jobs_total{status}`: jobs this worker's last task succeeded or failed.
    func jobEnded(_ status: JobStatus) {
        Counter(label: "jobs_total", dimensions: [("status", status.rawValue)], factory: factory).increment()
    }

    /// `replication_unconfirmed_total`: tasks whose files were kept unreplicated because the
    /// second region was not alive (synchronous replication); otherwise the lag, as `blobLag`.
    func replicated(_ confirmed: Bool, after elapsed: Duration) {
        if confirmed {
            blobLag(elapsed)
        } else {
            Counter(label: "replication_unconfirmed_total", factory: factory).increment()
        }
    }

    /// `replication_lag_seconds{kind="blobs"}`: with synchronous replication, how long the latest
    /// task's files took to become readable in the second region; with asynchronous, the age of
    /// the oldest file not yet there (or how long the last one took).
    func blobLag(_ lag: Duration) {
        Gauge(label: "replication_lag_seconds", dimensions: [("kind", "blobs")], factory: factory).record(
            Double(lag.components.seconds) + Double(lag.components.attoseconds) / 1e18)
    }

    /// `scratch_free_bytes`: room left on the file system of the render scratch space.
    func scratchFree(_ bytes: Int64) {
        Gauge(label: "scratch_free_bytes", factory: factory).record(bytes)
    }

    /// `workers_busy{capability}`: slots running a task of that capability; `workers_idle{capability}`:
    /// free slots that could take one (a free slot of a cpu,gpu worker counts for both).
    func occupancy(busy: [Capability: Int], slots: Int, capabilities: [Capability]) {
        let running = busy.values.reduce(0, +)
        for capability in capabilities {
            Gauge(label: "workers_busy", dimensions: [("capability", capability.rawValue)], factory: factory).record(
                busy[capability] ?? 0)
            Gauge(label: "workers_idle", dimensions: [("capability", capability.rawValue)], factory: factory).record(
                max(0, slots - running))
        }
    }
}

/// Which of a pool's slots are running what, for the occupancy gauges.
final class SlotOccupancy: Sendable {
    private let busy = Mutex<[Capability: Int]>([:])
    let metrics: WorkerMetrics
    let slots: Int
    let capabilities: [Capability]

    init(metrics: WorkerMetrics, slots: Int, capabilities: [Capability]) {
        self.metrics = metrics
        self.slots = slots
        self.capabilities = capabilities
        metrics.occupancy(busy: [:], slots: slots, capabilities: capabilities)
    }

    /// A slot took a task of `capability`.
    func began(_ capability: Capability) { change(capability, by: 1) }

    /// That slot is free again.
    func ended(_ capability: Capability) { change(capability, by: -1) }

    private func change(_ capability: Capability, by delta: Int) {
        let now = busy.withLock { busy in
            busy[capability, default: 0] += delta
            return busy
        }
        metrics.occupancy(busy: now, slots: slots, capabilities: capabilities)
    }
}
