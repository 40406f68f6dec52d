import ClipGenCore
import Persistence
import HTTPTypes

/// The limits that apply to one organisation: its own quotas, else the service's defaults.
struct QuotaPolicy: Sendable {
    struct Limits: Encodable, Sendable {
        var concurrentJobs: Int?
        var storedBytes: Int64?
        var uploadBytes: Int64
    }

    let defaults: APIConfiguration.Quotas
    let maxUploadBytes: Int64

    func limits(for organization: OrganizationID, in store: some QuotaLedger) async throws -> Limits {
        let own = try await store.quotas(organizationId: organization) ?? OrganizationQuotas()
        return Limits(concurrentJobs: own.concurrentJobs ?? defaults.concurrentJobs, storedBytes: own.storedBytes ?? defaults.storedBytes,
                      uploadBytes: min(own.uploadBytes ?? maxUploadBytes, maxUploadBytes))
    }

    /// Throws 429 when the organisation already runs as many jobs as it may.
    func admitJob(for organization: OrganizationID, in store: some QuotaLedger) async throws {
        guard let allowed = try await limits(for: organization, in: store).concurrentJobs else { return }
        let active = try await store.activeJobs(organizationId: organization)
        guard active < allowed else {
            throw Problem.retryLater(.tooManyRequests, after: 30,
                                     "your organisation has \(active) jobs queued or running, its limit; submit again when one finishes")
        }
    }
}
