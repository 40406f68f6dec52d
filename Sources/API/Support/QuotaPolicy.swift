import ClipGenCore
import Foundation
import HTTPTypes
import Persistence

/// The limits that apply to one organisation: its own quotas, else the service's defaults.
struct QuotaPolicy: Sendable {
    typealias Limits = QuotaLimits

    let defaults: QuotaDefaults

    func limits(for organization: OrganizationID, in store: some QuotaLedger) async throws -> Limits {
        try await store.limits(for: organization, defaults: defaults)
    }

    static func storageFull() -> Problem {
        Problem(
            status: .conflict,
            detail: "your organisation's storage quota is used up; delete uploads or jobs to make room")
    }

    /// Holds room for `job`'s expected clips (`OutputEstimate`) in its organisation's storage, or
    /// throws 409 when they would not fit; counted until the job ends, less what it has stored.
    /// Answers whether anything was reserved (nothing is without a storage quota).
    func reserveOutput(of job: Job, source: Upload?, in store: some QuotaLedger, now: Date) async throws -> Bool {
        guard let stored = try await limits(for: job.organizationId, in: store).storedBytes else { return false }
        let estimate = OutputEstimate.bytes(for: job.request, source: source)
        let reservation = StorageReservation(
            id: StorageReservation.jobID(job.id), organizationId: job.organizationId, jobId: job.id, bytes: estimate,
            expiresAt: now.addingTimeInterval(30 * 86400))
        guard try await store.reserveStorage(reservation, limit: stored) else {
            throw Problem(
                status: .conflict,
                detail:
                    "this job's clips (about \(estimate) bytes) would not fit in your organisation's storage quota; "
                    + "delete uploads or jobs to make room")
        }
        return true
    }

    /// Throws 429 when `count` more jobs would take the organisation past the jobs it may have
    /// queued or running.
    func admitJob(for organization: OrganizationID, count: Int = 1, in store: some QuotaLedger) async throws {
        guard let allowed = try await limits(for: organization, in: store).concurrentJobs else { return }
        let active = try await store.activeJobs(organizationId: organization)
        guard active + count <= allowed else {
            throw Problem.retryLater(
                .tooManyRequests, after: 30,
                count == 1
                    ? "your organisation has \(active) jobs queued or running, its limit; submit again when one finishes"
                    : "these \(count) jobs would take your organisation past its limit of \(allowed) jobs queued or "
                        + "running (\(active) now); submit fewer, or again when some finish")
        }
    }
}
