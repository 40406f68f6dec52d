import ClipGenCore
import Foundation

/// The message API.md describes; the clip as `GET /v1/clips/{id}` shows it.
struct EventMessage: Encodable {
    var type: JobEvent.Kind
    var jobId: JobID
    var status: JobStatus
    var stage: JobStage
    var progress: Double
    var clip: ClipResponse?
    var error: JobError?
    var at: Date

    init(_ event: JobEvent) {
        type = event.type
        jobId = event.jobId
        status = event.status
        stage = event.stage
        progress = (event.progress * 1000).rounded() / 1000
        clip = event.clip.map(ClipResponse.init)
        error = event.error
        at = event.at
    }
}
