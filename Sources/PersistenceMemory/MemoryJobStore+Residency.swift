import ClipGenCore
import Persistence
import Synchronization

extension MemoryJobStore {
    public func homeRegion(organizationId: OrganizationID) async throws -> String? {
        state.withLock { $0.organizations[organizationId]?.homeRegion }
    }

    @discardableResult
    public func setHomeRegion(_ region: String?, organizationId: OrganizationID) async throws -> Bool {
        state.withLock { state in
            guard state.organizations[organizationId] != nil else { return false }
            state.organizations[organizationId]?.homeRegion = region
            return true
        }
    }
}
