import ClipGenCore
import Foundation
import Persistence
import Synchronization

extension MemoryJobStore {
    public func quotas(organizationId: OrganizationID) async throws -> OrganizationQuotas? {
        state.withLock {
            $0.organizations[organizationId] == nil ? nil : ($0.quotas[organizationId] ?? OrganizationQuotas())
        }
    }

    @discardableResult
    public func setQuotas(_ quotas: OrganizationQuotas, organizationId: OrganizationID) async throws -> Bool {
        state.withLock { state in
            guard state.organizations[organizationId] != nil else { return false }
            state.quotas[organizationId] = quotas
            return true
        }
    }

    public func activeJobs(organizationId: OrganizationID) async throws -> Int {
        state.withLock { Self.activeJobs($0, organizationId) }
    }

    static func activeJobs(_ state: State, _ organizationId: OrganizationID) -> Int {
        state.jobs.values.filter { $0.organizationId == organizationId && [.queued, .running].contains($0.status) }
            .count
    }

    public func usage(organizationId: OrganizationID) async throws -> OrganizationUsage {
        let now = self.now
        return state.withLock { state in
            OrganizationUsage(
                activeJobs: Self.activeJobs(state, organizationId),
                storedBytes: Self.storedBytes(state, organizationId, now: now, excluding: nil))
        }
    }

    /// Uploads (each stored file once), clips, and live reservations: a job's only while it is
    /// queued or running, less what it has stored.
    static func storedBytes(
        _ state: State, _ organizationId: OrganizationID, now: Double, excluding reservation: String?
    ) -> Int64 {
        var files: [BlobKey: Int64] = [:]
        for upload in state.uploads.values where upload.organizationId == organizationId {
            files[upload.blobKey] = upload.size
        }
        let clips = state.clips.values.filter { $0.organizationId == organizationId }
        let reserved = state.reservations.values.filter {
            $0.organizationId == organizationId && $0.expiresAt.timeIntervalSince1970 > now && $0.id != reservation
        }.reduce(Int64(0)) { total, reservation in
            guard let jobId = reservation.jobId, let job = state.jobs[jobId] else { return total + reservation.bytes }
            guard [.queued, .running].contains(job.status) else { return total }
            return total
                + max(0, reservation.bytes - clips.filter { $0.jobId == jobId }.reduce(0) { $0 + $1.storedSize })
        }
        return files.values.reduce(0, +) + clips.reduce(0) { $0 + $1.storedSize } + reserved
    }

    public func reserveStorage(_ reservation: StorageReservation, limit: Int64?) async throws -> Bool {
        let now = self.now
        return state.withLock { state in
            if let limit,
                Self.storedBytes(state, reservation.organizationId, now: now, excluding: reservation.id)
                    + reservation.bytes > limit
            {
                return false
            }
            state.reservations[reservation.id] = reservation
            return true
        }
    }

    public func releaseStorage(id: String) async throws {
        state.withLock { $0.reservations[id] = nil }
    }
}
