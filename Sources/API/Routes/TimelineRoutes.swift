import BlobStorage
import ClipGenCore
import Foundation
import Hummingbird
import NIOCore
import Persistence

/// A job's clips, or one clip, as an edit for another editor:
/// `GET /v1/jobs/{id}/timeline?format=otio|edl|fcpxml` and `GET /v1/clips/{id}/timeline?format=…`.
/// The ranges are the source's frames each clip shows (after pauses were cut), with markers for
/// clips, highlights and shot cuts, and the captions when the job has a transcript.
struct TimelineRoutes<Store: JobRepository, Blobs: BlobStore> {
    let store: Store
    let blobs: Blobs

    func add(to router: some RouterMethods<AppRequestContext>) {
        router.get(RouterPath(MediaRoute.jobTimeline), use: jobTimeline)
        router.get(RouterPath(MediaRoute.clipTimeline), use: clipTimeline)
    }

    @Sendable func jobTimeline(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.read)
        let format = try Self.format(request)
        guard let id = context.parameters.get("id", as: JobID.self),
            let job = try await store.job(id: id, organizationId: principal.organizationId)
        else { throw Problem.notFound("job") }
        let clips = try await store.clips(jobId: job.id)
        guard !clips.isEmpty else {
            throw Problem(
                status: .conflict,
                detail: job.status.isTerminal
                    ? "this job made no clips, so there is no timeline"
                    : "the job has no clips yet (it is in its \(job.stage.rawValue) stage); try again when it has")
        }
        return try await respond(job: job, clips: clips, name: "job-\(job.id)", format: format, context: context)
    }

    @Sendable func clipTimeline(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.read)
        let format = try Self.format(request)
        guard let id = context.parameters.get("id", as: ClipID.self),
            let clip = try await store.clip(id: id, organizationId: principal.organizationId),
            let job = try await store.job(id: clip.jobId, organizationId: principal.organizationId)
        else { throw Problem.notFound("clip") }
        let name = (ClipRoutes<Store, Blobs>.filename(for: clip) as NSString).deletingPathExtension
        return try await respond(job: job, clips: [clip], name: name, format: format, context: context)
    }

    private static func format(_ request: Request) throws -> TimelineFormat {
        let raw = request.uri.queryParameters.get("format") ?? "otio"
        guard let format = TimelineFormat(rawValue: raw) else {
            throw Problem(status: .badRequest, detail: "format must be otio, edl or fcpxml")
        }
        return format
    }

    private func respond(job: Job, clips: [Clip], name: String, format: TimelineFormat, context: AppRequestContext)
        async throws -> Response
    {
        guard let source = job.source else {
            throw Problem(status: .conflict, detail: "the source has not been probed yet")
        }
        var upload: Upload?
        if let uploadId = job.uploadId {
            upload = try await store.upload(id: uploadId, organizationId: job.organizationId)
        }
        let cuts = try await store.analysis(jobId: job.id, organizationId: job.organizationId)?.cuts ?? []
        let transcript = try await transcript(of: job)
        let corrections = job.request.rerender?.corrections ?? []
        let options = job.request.resolvedOutput.captions
        let timeline = EditTimeline(
            name: name, source: source, sourceName: upload?.filename ?? "source", clips: clips, cuts: cuts,
            captions: { clip in
                guard let transcript else { return [] }
                // On the clip's own clock without its intro: the edit holds only the source.
                let timeline = ClipTimeline(ranges: clip.timeline.ranges)
                return CaptionTrack(
                    transcript: transcript.corrected(corrections), timeline: timeline, captions: options
                )
                .lines
            })
        return Response(
            status: .ok,
            headers: [
                .contentType: format.contentType,
                .contentDisposition: "attachment; filename=\"\(name).\(format.fileExtension)\"",
            ],
            body: .init(byteBuffer: ByteBuffer(string: format.write(timeline))))
    }

    /// The job's transcript when it made one; nil otherwise (the timeline then has no captions).
    private func transcript(of job: Job) async throws -> Transcript? {
        guard job.request.needsTranscript, let uploadId = job.uploadId else { return nil }
        return try await blobs.transcript(for: uploadId)
    }
}
