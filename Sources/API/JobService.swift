import BlobStorage
import ClipGenCore
import Coordination
import Foundation
import HTTPTypes
import Logging
import NIOCore
import Outbound
import Persistence

/// What the API does to jobs beyond reading them: submit (checked, written with the workflow's
/// first task, idle workers woken), cancel, and delete with the files the job made. Thin on
/// purpose: the workflow decides, the store persists.
struct JobService<Store: JobRepository & QuotaLedger & BatchRepository, Blobs: BlobStore>: Sendable {
    let store: Store
    let blobs: Blobs
    let workflow: JobWorkflow
    let signal: any WorkSignal
    let quotas: QuotaPolicy
    /// Checks `source.url` against the network policy the workers will fetch it under.
    let importer: PinnedHTTPClient
    let clock: WallClock
    let metrics: APIMetrics

    /// Throws `Problem.invalid` listing every field to fix; writes nothing then.
    func submit(_ request: JobRequest, by principal: Principal, idempotencyKey: IdempotencyKey?) async throws
        -> JobCreation
    {
        var errors = request.validate()
        var source: Upload?
        if errors.isEmpty {
            (source, errors) = try await checkSource(request.source, of: principal)
        }
        if errors.isEmpty, request.brand == true { errors += try await checkBrand(of: principal) }
        guard errors.isEmpty else { throw Problem.invalid(errors) }
        let job = Job(
            organizationId: principal.organizationId, ownerId: principal.userId, request: request,
            createdAt: clock.now())
        return try await create(job, source: source, idempotencyKey: idempotencyKey)
    }

    /// A batch and a job for each of `requests` (one per source, the same settings), written
    /// together or not at all: every request checked first (fields named `sources[i]…` for what
    /// differs, `job.…` for the settings they share), the organisation's job limit taking all of
    /// them at once, and room reserved for each. With an idempotency key a racing submission used
    /// first, nothing is written and that batch is answered (nil jobs: read them from the store).
    func submit(_ batch: Batch, requests: [JobRequest], by principal: Principal, idempotencyKey: IdempotencyKey?)
        async throws -> (batch: Batch, jobs: [Job]?)
    {
        var errors: [FieldError] = []
        var shared = Set<String>()
        var sources: [Upload?] = []
        for (index, request) in requests.enumerated() {
            for error in request.validate() {
                if error.field.hasPrefix("source") {
                    errors.append(.init(field: "sources[\(index)]" + error.field.dropFirst(6), message: error.message))
                } else if shared.insert(error.field).inserted {
                    errors.append(.init(field: "job." + error.field, message: error.message))
                }
            }
            let (upload, problems) = try await checkSource(request.source, of: principal)
            sources.append(upload)
            errors += problems.map {
                FieldError(field: "sources[\(index)]" + $0.field.dropFirst(6), message: $0.message)
            }
        }
        if requests.first?.brand == true { errors += try await checkBrand(of: principal) }
        guard errors.isEmpty else { throw Problem.invalid(errors) }
        // Distinct creation times keep the jobs in their sources' order wherever jobs are listed.
        let jobs = requests.enumerated().map { index, request in
            Job(
                organizationId: principal.organizationId, ownerId: principal.userId, request: request,
                createdAt: batch.createdAt.addingTimeInterval(Double(index) / 1_000_000))
        }
        try await quotas.admitJob(for: principal.organizationId, count: jobs.count, in: store)
        var reserved: [JobID] = []
        do {
            for (job, source) in zip(jobs, sources)
            where try await quotas.reserveOutput(of: job, source: source, in: store, now: clock.now()) {
                reserved.append(job.id)
            }
            if let earlier = try await store.createBatch(
                batch, jobs: jobs.map { ($0, workflow.firstTask(for: $0)) }, idempotencyKey: idempotencyKey)
            {
                // A retried submission: the first one holds the room.
                for id in reserved { try await store.releaseStorage(id: StorageReservation.jobID(id)) }
                return (earlier, nil)
            }
        } catch {
            for id in reserved { try? await store.releaseStorage(id: StorageReservation.jobID(id)) }
            throw error
        }
        for _ in jobs { metrics.job(.queued) }
        await signal.notify()
        return (batch, jobs)
    }

    /// The upload a source names, or what is wrong with it (fields as in a job: `source.…`).
    private func checkSource(_ source: JobRequest.Source, of principal: Principal) async throws -> (
        Upload?, [FieldError]
    ) {
        if let uploadId = source.uploadId {
            guard let upload = try await store.upload(id: uploadId, organizationId: principal.organizationId) else {
                return (nil, [.init(field: "source.uploadId", message: "no upload with this id")])
            }
            return (upload, [])
        }
        if let url = source.url {
            // Refused here when the address is plainly not allowed; redirects are checked as they come.
            do {
                _ = try await importer.resolve(url)
            } catch let error as OutboundError {
                return (nil, [.init(field: "source.url", message: error.description)])
            }
        }
        return (nil, [])
    }

    private func checkBrand(of principal: Principal) async throws -> [FieldError] {
        try await blobs.brandKit(for: principal.organizationId) == nil
            ? [.init(field: "brand", message: "this organisation has no brand kit; PUT /v1/brand first")] : []
    }

    /// A clip again as `body` asks: a new job of one render that starts from the clip's job's
    /// probe and reuses its transcript, on the same upload. The clip itself is left as it is.
    func rerender(_ clip: Clip, body: ClipRenderRequest, by principal: Principal) async throws -> JobCreation {
        guard let original = try await store.job(id: clip.jobId, organizationId: principal.organizationId),
            let uploadId = original.uploadId
        else { throw Problem.notFound("clip") }
        let (start, end) = (body.start?.seconds ?? clip.start, body.end?.seconds ?? clip.end)
        var range = JobRequest.ClipRange(start: start, end: end, name: clip.name)
        // A clip of joined ranges keeps them; moved edges trim the first and the last.
        if let ranges = original.clipSpec(at: clip.index)?.ranges {
            let parts = ranges.compactMap { part -> JobRequest.ClipRange.Part? in
                let kept = TimeRange(start: max(part.start, start), end: min(part.end, end))
                return kept.duration > 0 ? .init(start: kept.start, end: kept.end) : nil
            }
            if !parts.isEmpty {
                range = .init(ranges: parts, name: clip.name)
                // Kept while it still joins two ranges or more.
                range.crossfade = parts.count > 1 ? original.clipSpec(at: clip.index)?.crossfade : nil
            }
        }
        var request = JobRequest(
            source: .init(uploadId: uploadId), clips: [range], output: body.output ?? original.request.output)
        request.thumbnails = original.request.thumbnails
        request.quality = original.request.quality
        request.webhookUrl = original.request.webhookUrl
        request.brand = original.request.brand
        request.rerender = RerenderOrigin(clipId: clip.id, jobId: original.id, corrections: body.corrections)
        var errors = request.validate().map { error in
            FieldError(
                field: error.field.replacingOccurrences(of: "clips[0].", with: "")
                    .replacingOccurrences(of: "clips[0]", with: "start"), message: error.message)
        }
        if let corrections = body.corrections {
            if corrections.count > ClipRenderRequest.maxCorrections {
                errors.append(
                    .init(field: "corrections", message: "at most \(ClipRenderRequest.maxCorrections) corrections"))
            }
            if let bad = corrections.firstIndex(where: { $0.text.isEmpty || $0.text.utf8.count > 100 }) {
                errors.append(.init(field: "corrections[\(bad)].text", message: "must be 1 to 100 bytes"))
            }
            if !request.needsTranscript {
                errors.append(.init(field: "corrections", message: "the clip has no captions to correct"))
            }
        }
        if let duration = original.source?.duration, let end = request.clips?.first?.end.seconds, end > duration + 0.001
        {
            errors.append(.init(field: "end", message: "the source is only \(duration) s long"))
        }
        guard errors.isEmpty else { throw Problem.invalid(errors) }
        guard let source = try await store.upload(id: uploadId, organizationId: principal.organizationId) else {
            throw Problem(status: .conflict, detail: "the clip's upload was deleted; upload the video again")
        }
        var job = Job(
            organizationId: principal.organizationId, ownerId: principal.userId, request: request,
            createdAt: clock.now())
        job.media = try await store.jobMedia(id: original.id, organizationId: principal.organizationId)
        if job.media != nil { job.stage = .render }
        return try await create(job, source: source, idempotencyKey: nil)
    }

    /// Admits, reserves room for and writes a new job with its first task; wakes the workers.
    private func create(_ job: Job, source: Upload?, idempotencyKey: IdempotencyKey?) async throws -> JobCreation {
        try await quotas.admitJob(for: job.organizationId, in: store)
        let reserved = try await quotas.reserveOutput(of: job, source: source, in: store, now: clock.now())
        let creation: JobCreation
        do {
            creation = try await store.createJob(
                job, firstTask: workflow.firstTask(for: job), idempotencyKey: idempotencyKey)
        } catch {
            if reserved { try? await store.releaseStorage(id: StorageReservation.jobID(job.id)) }
            throw error
        }
        // A retried submission answered with the job its key made first: this one holds nothing.
        if reserved, !creation.created { try await store.releaseStorage(id: StorageReservation.jobID(job.id)) }
        if creation.created {
            metrics.job(.queued)
            await signal.notify()
        }
        return creation
    }

    func cancel(_ job: Job) async throws -> Job? {
        let cancelled = try await store.cancelJob(id: job.id, organizationId: job.organizationId)
        if cancelled?.status == .cancelled, job.status != .cancelled { metrics.job(.cancelled) }
        return cancelled
    }

    /// The frames a job extracted, from the manifest stored beside it.
    func frames(of job: Job) async throws -> FrameSet {
        guard job.request.frames != nil else {
            throw Problem(status: .notFound, detail: "the job did not ask for frames")
        }
        do {
            return try JSONDecoder().decode(
                FrameSet.self, from: try await blobs.contents(of: FrameSet.manifestKey(for: job.id)))
        } catch BlobError.notFound {
            throw Problem(status: .notFound, detail: "the frames are not ready yet (the job is \(job.status.rawValue))")
        }
    }

    /// Cancels first so a running worker stops and discards what it is rendering, then removes
    /// the job, the files its rows name and everything stored under `jobs/<id>/` (its frames and
    /// their manifest, the segments of an analysis deleted half way).
    func delete(_ job: Job, logger: Logger) async throws {
        _ = try await store.cancelJob(id: job.id, organizationId: job.organizationId)
        let stored = try await store.deleteJob(id: job.id, organizationId: job.organizationId) ?? []
        let underJob = (try? await blobs.keys(startingWith: "jobs/\(job.id)/")) ?? []
        for key in Set(stored + underJob) {
            do {
                try await blobs.delete(key)
            } catch {
                logger.warning(
                    "a deleted job's file could not be removed", metadata: ["job.id": "\(job.id)", "error": "\(error)"])
            }
        }
    }
}
