import BlobStorage
import ClipGenCore
import Foundation
import Hummingbird
import NIOCore
import Persistence

/// A job's transcript (`GET /v1/jobs/{id}/transcript`, JSON, or `?format=srt|vtt` on the
/// source's clock) and each clip's words on the clip's own clock
/// (`GET /v1/clips/{id}/captions.srt|.vtt`), made from the transcript kept beside the upload.
struct TranscriptRoutes<Store: JobRepository, Blobs: BlobStore> {
    let store: Store
    let blobs: Blobs

    func add(to router: some RouterMethods<AppRequestContext>) {
        router.get("jobs/{id}/transcript", use: jobTranscript)
        router.get(RouterPath(MediaRoute.clipCaptionsSRT)) { request, context in
            try await clipCaptions(request, context: context, format: "srt")
        }
        router.get(RouterPath(MediaRoute.clipCaptionsVTT)) { request, context in
            try await clipCaptions(request, context: context, format: "vtt")
        }
    }

    @Sendable func jobTranscript(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.read)
        guard let id = context.parameters.get("id", as: JobID.self),
            let job = try await store.job(id: id, organizationId: principal.organizationId)
        else { throw Problem.notFound("job") }
        let format = request.uri.queryParameters.get("format") ?? "json"
        guard ["json", "srt", "vtt"].contains(format) else {
            throw Problem(status: .badRequest, detail: "format must be json, srt or vtt")
        }
        let transcript = try await transcript(of: job)
        guard format != "json" else {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return Self.text(String(decoding: try encoder.encode(transcript), as: UTF8.self), "application/json")
        }
        return Self.captions(CaptionTrack(wholeSourceOf: transcript), format: format)
    }

    func clipCaptions(_ request: Request, context: AppRequestContext, format: String) async throws -> Response {
        let principal = try context.require(.read)
        guard let id = context.parameters.get("id", as: ClipID.self),
            let clip = try await store.clip(id: id, organizationId: principal.organizationId),
            let job = try await store.job(id: clip.jobId, organizationId: principal.organizationId)
        else { throw Problem.notFound("clip") }
        // A re-render's corrected words are the clip's words.
        let track = CaptionTrack(
            transcript: try await transcript(of: job).corrected(job.request.rerender?.corrections ?? []),
            timeline: clip.timeline,
            captions: job.request.resolvedOutput.captions)
        return Self.captions(track, format: format)
    }

    private func transcript(of job: Job) async throws -> Transcript {
        guard job.request.needsTranscript else {
            throw Problem(
                status: .notFound,
                detail: "this job did not transcribe its source; ask for \"transcribe\": true (or captions)")
        }
        guard let uploadId = job.uploadId else {
            throw Problem(
                status: .notFound,
                detail: "the transcript is not ready yet (the job is in its \(job.stage.rawValue) stage)")
        }
        guard let transcript = try await blobs.transcript(for: uploadId) else {
            throw Problem(
                status: .notFound,
                detail: job.status.isTerminal
                    ? "the transcript is gone (its upload was deleted, or the job failed before transcribing)"
                    : "the transcript is not ready yet (the job is in its \(job.stage.rawValue) stage)")
        }
        return transcript
    }

    private static func captions(_ track: CaptionTrack, format: String) -> Response {
        format == "srt"
            ? text(track.srt, "application/x-subrip; charset=utf-8") : text(track.vtt, "text/vtt; charset=utf-8")
    }

    private static func text(_ body: String, _ contentType: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: contentType, .cacheControl: "private, no-cache"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
