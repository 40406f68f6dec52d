import ClipGenCore
import Persistence
import Synchronization

extension MemoryJobStore {
    public func quotas(organizationId: OrganizationID) async throws -> OrganizationQuotas? {
        state.withLock { $0.organizations[organizationId] == nil ? nil : ($0.quotas[organizationId] ?? OrganizationQuotas()) }
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
        state.jobs.values.filter { $0.organizationId == organizationId && [.queued, .running].contains($0.status) }.count
    }

    public func usage(organizationId: OrganizationID) async throws -> OrganizationUsage {
        state.withLock { state in
            let active = Self.activeJobs(state, organizationId)
            var files: [BlobKey: Int64] = [:]
            for upload in state.uploads.values where upload.organizationId == organizationId { files[upload.blobKey] = upload.size }
            let clips = state.clips.values.filter { $0.organizationId == organizationId }.reduce(Int64(0)) { $0 + $1.size }
            return OrganizationUsage(activeJobs: active, storedBytes: files.values.reduce(0, +) + clips)
        }
    }
}
