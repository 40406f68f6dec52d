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
struct JobService<Store: JobRepository & QuotaLedger, Blobs: BlobStore>: Sendable {
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
        if errors.isEmpty, let uploadId = request.source.uploadId {
            source = try await store.upload(id: uploadId, organizationId: principal.organizationId)
            if source == nil { errors.append(.init(field: "source.uploadId", message: "no upload with this id")) }
        }
        if errors.isEmpty, let url = request.source.url {
            // Refused here when the address is plainly not allowed; redirects are checked as they come.
            do {
                _ = try await importer.resolve(url)
            } catch let error as OutboundError {
                errors.append(.init(field: "source.url", message: error.description))
            }
        }
        guard errors.isEmpty else { throw Problem.invalid(errors) }
        try await quotas.admitJob(for: principal.organizationId, in: store)
        let job = Job(
            organizationId: principal.organizationId, ownerId: principal.userId, request: request,
            createdAt: clock.now())
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
            var data = ByteBuffer()
            try await blobs.get(try FrameSet.manifestKey(for: job.id), range: nil).write { chunk in
                var chunk = chunk
                data.writeBuffer(&chunk)
            }
            return try JSONDecoder().decode(FrameSet.self, from: Data(data.readableBytesView))
        } catch BlobError.notFound {
            throw Problem(status: .notFound, detail: "the frames are not ready yet (the job is \(job.status.rawValue))")
        }
    }

    /// Cancels first so a running worker stops and discards what it is rendering, then removes
    /// the job and its files (its frames too).
    func delete(_ job: Job, logger: Logger) async throws {
        _ = try await store.cancelJob(id: job.id, organizationId: job.organizationId)
        let frames =
            (try? await frames(of: job)).map { set in
                set.frames.map(\.blobKey) + [try? FrameSet.manifestKey(for: job.id)].compactMap { $0 }
            } ?? []
        for key in (try await store.deleteJob(id: job.id, organizationId: job.organizationId) ?? []) + frames {
            do {
                try await blobs.delete(key)
            } catch {
                logger.warning(
                    "a deleted job's file could not be removed", metadata: ["job.id": "\(job.id)", "error": "\(error)"])
            }
        }
    }
}
