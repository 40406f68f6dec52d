import ClipGenCore
import Foundation

/// The event message docs/api.md describes, the same on a WebSocket and in a webhook's body; the
/// clip as `GET /v1/clips/{id}` shows it.
public struct EventMessage: Encodable, Sendable {
    public var type: JobEvent.Kind
    public var jobId: JobID
    public var status: JobStatus
    public var stage: JobStage
    public var progress: Double
    public var clip: ClipResponse?
    public var error: JobError?
    public var highlights: [Highlight]?
    public var analysedSeconds: Double?
    public var at: Date

    public init(_ event: JobEvent) {
        type = event.type
        jobId = event.jobId
        status = event.status
        stage = event.stage
        progress = Self.shown(event.progress)
        clip = event.clip.map(ClipResponse.init)
        error = event.error
        highlights = event.highlights
        analysedSeconds = event.analysedSeconds
        at = event.at
    }

    /// A progress fraction as every message and response shows it: to a thousandth.
    public static func shown(_ progress: Double) -> Double { (progress * 1000).rounded() / 1000 }
}
