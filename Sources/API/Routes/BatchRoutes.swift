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

/// `/v1/batches`: one set of job settings — a preset, job fields, or both — applied to many
/// uploads or URLs at once. Each source becomes an ordinary job that names the batch; the batch
/// shows their progress, ends with the last of them (one webhook), and hands out every clip in
/// one ZIP.
struct BatchRoutes<Store: JobRepository & QuotaLedger & BatchRepository, Blobs: BlobStore> {
    let service: JobService<Store, Blobs>
    var store: Store { service.store }
    var blobs: Blobs { service.blobs }

    func add(to router: some RouterMethods<AppRequestContext>) {
        router.post("batches", use: create)
        router.get("batches", use: list)
        router.get("batches/{id}", use: show)
        router.post("batches/{id}/cancel", use: cancel)
        router.get(RouterPath(MediaRoute.batchClips), use: archive)
    }

    static var bodyKeys: Set<String> { ["sources", "preset", "job", "name", "webhookUrl"] }
    /// What the batch sets for every job itself, not its `job` fields.
    static var reservedJobKeys: Set<String> { ["source", "preset", "batch", "rerender"] }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Created<BatchResponse> {
        let principal = try context.require(.write)
        var request = request
        let body = try await request.collectBody(upTo: 4 << 20)
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
        else {
            throw Problem(status: .badRequest, title: "Malformed JSON", detail: "the body is not a JSON object")
        }
        var errors = object.keys.sorted().filter { !Self.bodyKeys.contains($0) }.map {
            FieldError(field: $0, message: "a batch has sources, preset, job, name and webhookUrl")
        }
        let sources = object["sources"] as? [Any] ?? []
        if !(1...Batch.maxSources).contains(sources.count) {
            errors.append(.init(field: "sources", message: "must list 1 to \(Batch.maxSources) uploads or URLs"))
        }
        let template = object["job"] as? [String: Any] ?? [:]
        if object["job"] != nil && object["job"] as? [String: Any] == nil {
            errors.append(.init(field: "job", message: "must be an object of job fields"))
        }
        for key in template.keys.sorted() where Self.reservedJobKeys.contains(key) {
            errors.append(.init(field: "job.\(key)", message: "set by the batch for each job, not here"))
        }
        let name = object["name"] as? String
        if object["name"] != nil && (name == nil || name!.isEmpty || name!.utf8.count > JobRequest.maxNameLength) {
            errors.append(.init(field: "name", message: "must be text of 1 to \(JobRequest.maxNameLength) bytes"))
        }
        let webhookUrl = object["webhookUrl"] as? String
        if object["webhookUrl"] != nil {
            if let problem = webhookUrl.map(JobRequest.webhookURLProblem) ?? "must be an http(s) URL" {
                errors.append(.init(field: "webhookUrl", message: problem))
            }
        }
        let preset = object["preset"] as? String
        if object["preset"] != nil && preset == nil {
            errors.append(.init(field: "preset", message: "must be the name of one of the organisation's presets"))
        }
        guard errors.isEmpty else { throw Problem.invalid(errors) }

        // The body as parsed, keys sorted: the same batch asked for with other spacing is the same.
        let idempotencyKey = try request.idempotencyKey {
            Hex.string(SHA256.hash(data: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])))
        }
        // A retry is answered before anything is read or checked: its first submission already
        // counts against the limits it would be checked by.
        if let idempotencyKey,
            let earlier = try await store.batch(
                madeWith: idempotencyKey, ownerId: principal.userId, organizationId: principal.organizationId)
        {
            return try await answer(earlier, principal)
        }
        var settings = template
        if let preset {
            settings = try await PresetRoutes.settings(
                named: preset, under: template, blobs: blobs, organization: principal.organizationId)
        }
        let batch = Batch(
            organizationId: principal.organizationId, ownerId: principal.userId, name: name, preset: preset,
            webhookUrl: webhookUrl, total: sources.count, createdAt: service.clock.now())
        var requests: [JobRequest] = []
        for (index, source) in sources.enumerated() {
            var job = settings
            job["source"] = source
            do {
                var request = try JSONDecoder().decode(
                    JobRequest.self, from: JSONSerialization.data(withJSONObject: job))
                request.preset = preset
                request.batch = batch.id
                requests.append(request)
            } catch let error as DecodingError {
                let path = ProblemMiddleware<AppRequestContext>.path(of: error)
                errors.append(
                    .init(
                        field: path.hasPrefix("source")
                            ? "sources[\(index)]" + path.dropFirst(6) : "job." + path,
                        message: ProblemMiddleware<AppRequestContext>.describe(error)))
            }
        }
        // The same settings fail every source alike: said once.
        var seen = Set<String>()
        errors = errors.filter { seen.insert($0.field).inserted }
        guard errors.isEmpty else { throw Problem.invalid(errors) }
        let (made, jobs) = try await service.submit(
            batch, requests: requests, by: principal, idempotencyKey: idempotencyKey)
        // Nil when a retry raced its first submission: answered with that one.
        guard let jobs else { return try await answer(try await find(made.id, principal), principal) }
        context.logger.info("batch created", metadata: ["batch.id": "\(batch.id)", "batch.jobs": "\(jobs.count)"])
        var created = made
        var counts = BatchCounts()
        counts.add(.queued, count: jobs.count, progress: 0)
        created.counts = counts
        return Created(
            status: .accepted, location: "/v1/batches/\(batch.id)", body: BatchResponse(created, jobs: jobs))
    }

    /// A batch made before, answered as its creation was.
    private func answer(_ batch: Batch, _ principal: Principal) async throws -> Created<BatchResponse> {
        let jobs = try await store.batchJobs(id: batch.id, organizationId: principal.organizationId)
        return Created(
            status: .accepted, location: "/v1/batches/\(batch.id)", body: BatchResponse(batch, jobs: jobs))
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> ListResponse<BatchResponse> {
        let principal = try context.require(.read)
        let page = try await store.batches(organizationId: principal.organizationId, page: request.pageRequest())
        return ListResponse(items: page.items.map { BatchResponse($0) }, nextCursor: page.nextCursor)
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> BatchResponse {
        let principal = try context.require(.read)
        let batch = try await find(context.parameters.get("id", as: BatchID.self), principal)
        return BatchResponse(
            batch, jobs: try await store.batchJobs(id: batch.id, organizationId: principal.organizationId))
    }

    /// Cancels every job of the batch still queued or running; the batch ends with the last.
    @Sendable func cancel(_ request: Request, context: AppRequestContext) async throws -> BatchResponse {
        let principal = try context.require(.write)
        let batch = try await find(context.parameters.get("id", as: BatchID.self), principal)
        guard principal.role == .admin || batch.ownerId == principal.userId else {
            throw Problem(status: .forbidden, detail: "only an admin or the batch's owner may cancel it")
        }
        let jobs = try await store.batchJobs(id: batch.id, organizationId: principal.organizationId)
        for job in jobs where !job.status.isTerminal { _ = try await service.cancel(job) }
        context.logger.info("batch cancel requested", metadata: ["batch.id": "\(batch.id)"])
        return BatchResponse(
            try await find(batch.id, principal),
            jobs: try await store.batchJobs(id: batch.id, organizationId: principal.organizationId))
    }

    /// Every clip the batch's jobs made so far, streamed as a ZIP: a folder per job, numbered in
    /// the order of the sources, each clip under the name its download has.
    @Sendable func archive(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.read)
        let batch = try await find(context.parameters.get("id", as: BatchID.self), principal)
        let jobs = try await store.batchJobs(id: batch.id, organizationId: principal.organizationId)
        let clips = try await store.clips(jobIds: jobs.map(\.id))
        let width = String(jobs.count).count
        let files = jobs.enumerated().flatMap { number, job in
            let folder = String(repeating: "0", count: width - String(number + 1).count) + "\(number + 1)-\(job.id)/"
            return (clips[job.id] ?? []).sorted { $0.index < $1.index }.map { clip in
                (name: folder + ClipRoutes<Store, Blobs>.filename(for: clip), clip: clip)
            }
        }
        guard ZipWriter.fits(files.map { ($0.name, $0.clip.size) }) else {
            throw Problem(
                status: .contentTooLarge,
                detail: "the batch's clips are more than one ZIP holds (4 GiB); download them job by job")
        }
        let blobs = self.blobs
        let logger = context.logger
        let body = ResponseBody { writer in
            var zip = ZipWriter()
            for file in files {
                try await writer.write(ByteBuffer(bytes: zip.streamingHeader(named: file.name)))
                var crc: UInt32 = 0
                var size: UInt32 = 0
                do {
                    try await blobs.get(file.clip.blobKey, range: nil).write { chunk in
                        crc = CRC32.update(crc, with: chunk.readableBytesView)
                        size += UInt32(chunk.readableBytes)
                        try await writer.write(chunk)
                    }
                } catch {
                    // Headers are sent: the archive can only be cut short, which its reader will notice.
                    logger.error(
                        "a batch archive stopped", metadata: ["clip.id": "\(file.clip.id)", "error": "\(error)"])
                    throw error
                }
                try await writer.write(ByteBuffer(bytes: zip.descriptor(crc: crc, size: size)))
            }
            try await writer.write(ByteBuffer(bytes: zip.end()))
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/zip",
                .contentDisposition: ContentDisposition.attachment(filename: "batch-\(batch.id)-clips.zip"),
            ], body: body)
    }

    private func find(_ id: BatchID?, _ principal: Principal) async throws -> Batch {
        guard let id, let batch = try await store.batch(id: id, organizationId: principal.organizationId) else {
            throw Problem.notFound("batch")
        }
        return batch
    }
}

extension BatchResponse: ResponseEncodable {}
