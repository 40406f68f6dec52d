import ClipGenCore
import CoreMetrics
import Metrics

/// What a worker counts, through whatever metrics backend the process set up (Prometheus,
/// served on the worker's own `/metrics`).
public struct WorkerMetrics: Sendable {
    let factory: any MetricsFactory

    public init(factory: any MetricsFactory) {
        self.factory = factory
    }

    /// `worker_encoder{encoder,worker}` = 1: which H.264 encoder this worker renders mp4 with.
    func encoderInUse(_ encoder: String, worker: String) {
        Gauge(label: "worker_encoder", dimensions: [("encoder", encoder), ("worker", worker)], factory: factory).record(1)
    }

    /// `processing_seconds{stage}`: how long finished tasks took (a histogram).
    func finished(_ kind: TaskKind, after elapsed: Duration) {
        Timer(label: "processing_seconds", dimensions: [("stage", kind.rawValue)], factory: factory).record(duration: elapsed)
    }

    /// `clips_rendered_total{encoder,format,mode}` and `clip_media_seconds_total`.
    func rendered(_ clip: Clip) {
        Counter(label: "clips_rendered_total", dimensions: [("encoder", clip.encoder ?? "unknown"), ("format", clip.format.rawValue),
                                                             ("mode", clip.modeUsed.rawValue)], factory: factory).increment()
        FloatingPointCounter(label: "clip_media_seconds_total", dimensions: [], factory: factory).increment(by: clip.duration)
    }

    /// `error_total{code}`: failed task attempts.
    func failed(_ code: JobError.Code) {
        Counter(label: "error_total", dimensions: [("code", code.rawValue)], factory: factory).increment()
    }
}
