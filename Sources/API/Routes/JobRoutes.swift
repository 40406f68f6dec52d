import BlobStorage
import ClipGenCore
import Crypto
import Delivery
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Persistence

/// `POST /v1/jobs` (validated, written with its first task in one transaction), get, list,
/// cancel and delete.
struct JobRoutes<Store: JobRepository & QuotaLedger & BatchRepository, Blobs: BlobStore> {
    let service: JobService<Store, Blobs>
    let cache: JobStatusCache
    let files: BlobResponses<Blobs>
    var store: Store { service.store }
    var blobs: Blobs { service.blobs }

    func add(to router: some RouterMethods<AppRequestContext>) {
        router.post("jobs", use: create)
        router.get("jobs/{id}", use: show)
        router.get("jobs", use: list)
        router.get("jobs/{id}/analysis", use: analysis)
        router.get(RouterPath(MediaRoute.storyboard), use: storyboardImage)
        router.get("jobs/{id}/storyboard.vtt", use: storyboardTrack)
        router.get("jobs/{id}/frames", use: frameList)
        router.get("jobs/{id}/frames.zip", use: frameArchive)
        router.get(RouterPath(MediaRoute.frame), use: frameImage)
        router.post("jobs/{id}/cancel", use: cancel)
        router.post("clips/{id}/renders", use: rerender)
        router.delete("jobs/{id}", use: delete)
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Created<JobResponse> {
        let principal = try context.require(.write)
        var request = request
        let jobRequest = try await PresetRoutes.jobRequest(
            from: try await request.collectBody(upTo: context.maxUploadSize), blobs: blobs,
            organization: principal.organizationId)
        if jobRequest.rerender != nil {
            throw Problem.invalid([.init(field: "rerender", message: "set by POST /v1/clips/{id}/renders, not here")])
        }
        if jobRequest.batch != nil {
            throw Problem.invalid([.init(field: "batch", message: "set by POST /v1/batches, not here")])
        }
        let idempotencyKey = try request.idempotencyKey { try Self.fingerprint(of: jobRequest) }
        let creation = try await service.submit(jobRequest, by: principal, idempotencyKey: idempotencyKey)
        if creation.created {
            context.logger.info(
                "job created",
                metadata: ["job.id": "\(creation.job.id)", "job.clips": "\(jobRequest.clips?.count ?? 0)"])
        }
        let clips = creation.created ? [] : try await store.clips(jobId: creation.job.id)
        return Created(
            status: .accepted, location: "/v1/jobs/\(creation.job.id)", body: JobResponse(creation.job, clips: clips))
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.read)
        guard let id = context.parameters.get("id", as: JobID.self) else { throw Problem.notFound("job") }
        let organization = principal.organizationId
        let body = try await cache.body(for: id, organizationId: organization) { id in
            try await store.jobStatus(id: id, organizationId: organization)
        } load: {
            guard let job = try await store.job(id: id, organizationId: organization) else { return nil }
            return (
                job,
                ByteBuffer(
                    bytes: try context.responseEncoder.encode(
                        JobResponse(job, clips: try await store.clips(jobId: job.id))))
            )
        }
        guard let body else { throw Problem.notFound("job") }
        return Self.json(body)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> ListResponse<JobResponse> {
        let principal = try context.require(.read)
        var status: JobStatus?
        if let raw = request.uri.queryParameters["status"] {
            guard let parsed = JobStatus(rawValue: String(raw)) else {
                throw Problem(
                    status: .badRequest,
                    detail: "status must be one of \(JobStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            status = parsed
        }
        let page = try await store.jobs(
            organizationId: principal.organizationId, status: status, page: request.pageRequest())
        let clips = try await store.clips(jobIds: page.items.map(\.id))
        return ListResponse(
            items: page.items.map { JobResponse($0, clips: clips[$0.id] ?? []) }, nextCursor: page.nextCursor)
    }

    @Sendable func analysis(_ request: Request, context: AppRequestContext) async throws -> AnalysisResponse {
        let principal = try context.require(.read)
        let job = try await find(context.parameters.get("id", as: JobID.self), principal)
        guard job.request.needsAnalysis else {
            throw Problem(
                status: .notFound,
                detail: "this job did not analyse its source; ask for \"analyze\": true or highlights")
        }
        guard let analysis = try await store.analysis(jobId: job.id, organizationId: principal.organizationId) else {
            throw Problem(
                status: .notFound,
                detail: "the analysis is not ready yet (the job is in its \(job.stage.rawValue) stage)")
        }
        return AnalysisResponse(analysis: analysis)
    }

    @Sendable func storyboardImage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.read)
        let job = try await find(context.parameters.get("id", as: JobID.self), principal)
        guard let key = job.storyboard?.blobKey else {
            throw Problem(status: .notFound, detail: "the storyboard is not ready (or was not asked for)")
        }
        return try await files.whole(key: key, contentType: "image/jpeg", context: context)
    }

    @Sendable func storyboardTrack(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.read)
        let job = try await find(context.parameters.get("id", as: JobID.self), principal)
        guard let board = job.storyboard, let duration = job.source?.duration else {
            throw Problem(status: .notFound, detail: "the storyboard is not ready (or was not asked for)")
        }
        let vtt = board.webVTT(spriteURL: "/v1/jobs/\(job.id)/storyboard.jpg", duration: duration)
        return Response(
            status: .ok, headers: [.contentType: "text/vtt; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: vtt)))
    }

    @Sendable func frameList(_ request: Request, context: AppRequestContext) async throws -> FrameListResponse {
        let principal = try context.require(.read)
        let job = try await find(context.parameters.get("id", as: JobID.self), principal)
        return FrameListResponse(try await service.frames(of: job), job: job.id)
    }

    @Sendable func frameImage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.read)
        let job = try await find(context.parameters.get("id", as: JobID.self), principal)
        let set = try await service.frames(of: job)
        guard let index = context.parameters.get("index", as: Int.self),
            let frame = set.frames.first(where: { $0.index == index })
        else { throw Problem.notFound("frame") }
        return try await files.whole(key: frame.blobKey, contentType: set.format.contentType, context: context)
    }

    /// Every frame in one stored ZIP, named by index and time, read from storage one frame at a time.
    @Sendable func frameArchive(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.read)
        let job = try await find(context.parameters.get("id", as: JobID.self), principal)
        let set = try await service.frames(of: job)
        let blobs = self.blobs
        let body = ResponseBody { writer in
            var zip = ZipWriter()
            for frame in set.frames {
                let contents = try await blobs.contents(of: frame.blobKey)
                let name = String(format: "frame-%04d-%.3fs.", frame.index, frame.time) + set.format.fileExtension
                try await writer.write(ByteBuffer(bytes: zip.header(named: name, contents: contents)))
                try await writer.write(ByteBuffer(bytes: contents))
            }
            try await writer.write(ByteBuffer(bytes: zip.end()))
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/zip",
                .contentDisposition: ContentDisposition.attachment(filename: "\(job.id)-frames.zip"),
            ], body: body)
    }

    /// A new version of a clip: a job of one render, answered like `POST /v1/jobs`.
    @Sendable func rerender(_ request: Request, context: AppRequestContext) async throws -> Created<JobResponse> {
        let principal = try context.require(.write)
        guard let id = context.parameters.get("id", as: ClipID.self),
            let clip = try await store.clip(id: id, organizationId: principal.organizationId)
        else { throw Problem.notFound("clip") }
        let body = try await request.decodeJSON(as: ClipRenderRequest.self, context: context)
        let creation = try await service.rerender(clip, body: body, by: principal)
        context.logger.info("clip render queued", metadata: ["job.id": "\(creation.job.id)", "clip.id": "\(clip.id)"])
        return Created(
            status: .accepted, location: "/v1/jobs/\(creation.job.id)", body: JobResponse(creation.job, clips: []))
    }

    @Sendable func cancel(_ request: Request, context: AppRequestContext) async throws -> JobResponse {
        let principal = try context.require(.write)
        let job = try await find(context.parameters.get("id", as: JobID.self), principal)
        try Self.requireOwnerOrAdmin(job, principal, to: "cancel")
        guard let cancelled = try await service.cancel(job) else {
            throw Problem.notFound("job")
        }
        await cache.invalidate(job.id)
        context.logger.info(
            "job cancel requested", metadata: ["job.id": "\(job.id)", "job.status": "\(cancelled.status.rawValue)"])
        return JobResponse(cancelled, clips: try await store.clips(jobId: job.id))
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.write)
        let job = try await find(context.parameters.get("id", as: JobID.self), principal)
        try Self.requireOwnerOrAdmin(job, principal, to: "delete")
        try await service.delete(job, logger: context.logger)
        await cache.invalidate(job.id)
        context.logger.info("job deleted", metadata: ["job.id": "\(job.id)"])
        return Response(status: .noContent)
    }

    /// Changing a job is for its owner or an admin; other members may only read it.
    static func requireOwnerOrAdmin(_ job: Job, _ principal: Principal, to action: String) throws {
        guard principal.role == .admin || job.ownerId == principal.userId else {
            throw Problem(status: .forbidden, detail: "only an admin or the job's owner may \(action) it")
        }
    }

    /// The request as decoded and re-encoded with sorted keys: the same job asked for with other
    /// spacing or key order is the same request; any other value is not.
    static func fingerprint(of request: JobRequest) throws -> String {
        Hex.string(SHA256.hash(data: try JSONEncoder.api.encode(request)))
    }

    static func json(_ body: ByteBuffer) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: body))
    }

    private func find(_ id: JobID?, _ principal: Principal) async throws -> Job {
        guard let id, let job = try await store.job(id: id, organizationId: principal.organizationId) else {
            throw Problem.notFound("job")
        }
        return job
    }
}
