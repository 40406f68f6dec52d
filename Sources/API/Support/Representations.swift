import ClipGenCore
import Delivery
import Foundation
import Hummingbird
import Logging

/// The JSON shapes of ../shared/API.md. Kept apart from the stored records so storage can
/// change without changing the contract.
struct JobResponse: ResponseEncodable {
    struct Source: Encodable {
        var uploadId: UploadID?
        var duration: Double?
        var width: Int?
        var height: Int?
        var fps: Double?
        var videoCodec: String?
        var audioCodec: String?
    }
    var id: JobID
    var status: JobStatus
    var stage: JobStage
    var progress: Double
    var error: JobError?
    var source: Source
    var clips: [ClipResponse]
    var output: OutputOptions
    var storyboard: StoryboardLinks?
    var analysisUrl: String?
    var framesUrl: String?
    /// The clip a re-render job makes a new version of.
    var rerenderOf: ClipID?
    /// The batch the job was made in.
    var batchId: BatchID?
    var createdAt: Date
    var startedAt: Date?
    var finishedAt: Date?
    var attempts: Int

    init(_ job: Job, clips: [Clip]) {
        id = job.id
        status = job.status
        stage = job.stage
        progress = EventMessage.shown(job.progress)
        error = job.error
        let info = job.source
        source = Source(
            uploadId: job.uploadId, duration: info?.duration, width: info?.width, height: info?.height,
            fps: info?.fps, videoCodec: info?.videoCodec, audioCodec: info?.audioCodec)
        self.clips = clips.map(ClipResponse.init)
        output = job.request.resolvedOutput
        storyboard =
            job.storyboard?.blobKey == nil
            ? nil
            : StoryboardLinks(
                spriteUrl: "/v1/jobs/\(job.id)/storyboard.jpg", vttUrl: "/v1/jobs/\(job.id)/storyboard.vtt")
        analysisUrl = job.request.needsAnalysis ? "/v1/jobs/\(job.id)/analysis" : nil
        framesUrl = job.request.frames == nil ? nil : "/v1/jobs/\(job.id)/frames"
        rerenderOf = job.request.rerender?.clipId
        batchId = job.request.batch
        createdAt = job.createdAt
        startedAt = job.startedAt
        finishedAt = job.finishedAt
        attempts = job.attempts
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(status, forKey: .status)
        try c.encode(stage, forKey: .stage)
        try c.encode(progress, forKey: .progress)
        try c.encode(error, forKey: .error) // explicit null, as the contract shows
        try c.encode(source, forKey: .source)
        try c.encode(clips, forKey: .clips)
        try c.encode(output, forKey: .output)
        try c.encodeIfPresent(storyboard, forKey: .storyboard)
        try c.encodeIfPresent(analysisUrl, forKey: .analysisUrl)
        try c.encodeIfPresent(framesUrl, forKey: .framesUrl)
        try c.encodeIfPresent(rerenderOf, forKey: .rerenderOf)
        try c.encodeIfPresent(batchId, forKey: .batchId)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(finishedAt, forKey: .finishedAt)
        try c.encode(attempts, forKey: .attempts)
    }

    enum CodingKeys: String, CodingKey {
        case id, status, stage, progress, error, source, clips, output, storyboard, analysisUrl, framesUrl, rerenderOf,
            batchId, createdAt,
            startedAt, finishedAt, attempts
    }
}

/// `GET /v1/jobs/{id}/analysis`: the stored analysis as it is.
struct AnalysisResponse: ResponseEncodable {
    var analysis: Analysis
    func encode(to encoder: any Encoder) throws { try analysis.encode(to: encoder) }
}

/// `GET /v1/jobs/{id}/frames`: each frame with where to get it, and the whole set as a zip.
struct FrameListResponse: ResponseEncodable {
    struct Frame: Encodable {
        var index: Int
        var time: Double
        var width: Int
        var height: Int
        var size: Int64
        var url: String
    }

    var format: FrameRequest.Format
    var contentType: String
    var frames: [Frame]
    var zipUrl: String

    init(_ set: FrameSet, job: JobID) {
        format = set.format
        contentType = set.format.contentType
        frames = set.frames.map {
            Frame(
                index: $0.index, time: $0.time, width: $0.width, height: $0.height, size: $0.size,
                url: "/v1/jobs/\(job)/frames/\($0.index)")
        }
        zipUrl = "/v1/jobs/\(job)/frames.zip"
    }
}

struct StoryboardLinks: Encodable {
    var spriteUrl: String
    var vttUrl: String
}

extension ClipResponse: ResponseEncodable {}

struct UploadResponse: ResponseEncodable {
    var id: UploadID
    var filename: String
    var size: Int64
    var sha256: String
    var createdAt: Date
    init(_ upload: Upload) {
        id = upload.id
        filename = upload.filename
        size = upload.size
        sha256 = upload.sha256
        createdAt = upload.createdAt
    }
}

struct UserResponse: ResponseEncodable {
    var id: UserID
    var email: String
    var role: Role
    var organizationId: OrganizationID
    var disabled: Bool
    init(_ user: User) {
        id = user.id
        email = user.email
        role = user.role
        organizationId = user.organizationId
        disabled = user.disabled
    }
}

struct ListResponse<Item: Encodable & Sendable>: ResponseEncodable {
    var items: [Item]
    var nextCursor: String?
}

/// A response with a status other than 200 and extra headers.
struct Created<Body: ResponseEncodable>: ResponseGenerator {
    var status: HTTPResponse.Status = .created
    var location: String?
    var body: Body

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try body.response(from: request, context: context)
        response.status = status
        if let location { response.headers[.location] = location }
        return response
    }
}
