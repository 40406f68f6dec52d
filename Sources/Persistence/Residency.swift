import ClipGenCore

/// Where each organisation lives when ClipGen runs in several regions: its home region, set when
/// it is made and changed by an operator. Each task copies its organisation's home region when it
/// is queued (`TaskQueue.claimTask`'s `excludingRegions` reads it), so a change applies to work
/// queued after it.
public protocol Residency: Sendable {
    /// nil when the organisation has none (or does not exist).
    func homeRegion(organizationId: OrganizationID) async throws -> String?
    /// False when no such organisation exists.
    @discardableResult
    func setHomeRegion(_ region: String?, organizationId: OrganizationID) async throws -> Bool
}
