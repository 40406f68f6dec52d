import BlobStorage
import ClipGenCore
import Foundation
import Logging
import Persistence
import ServiceLifecycle

/// Deletes what outlived its organisation's retention (see `RetentionPolicy`): rows in batches,
/// then the files no remaining row refers to. Every API replica runs one; a lease in the store
/// lets one at a time sweep. What went is counted in `retention_removed_total{category}` and
/// written to the organisation's audit log (`retention.expire`, target `category:count`). Each
/// pass also measures how full each organisation's storage quota is, for the capacity alert.
struct LifecycleSweeper<Store: DataLifecycle & AuditLog & QuotaLedger, Blobs: BlobStore>: Service {
    let store: Store
    let blobs: Blobs
    let policy: RetentionPolicy
    let quotas: QuotaDefaults
    let clock: WallClock
    let metrics: APIMetrics
    let logger: Logger
    /// This replica's name on the lease.
    var holder = "api-" + Identifier.make()
    var batch = 500

    static var leaseName: String { "lifecycle-sweep" }

    /// One pass over every organisation. nil when another replica holds the lease; else what
    /// went, by category.
    @discardableResult
    func sweep() async throws -> [RetentionCategory: Int]? {
        // Kept past the pass, so the same replica sweeps next time; another takes over once it lapses.
        guard try await renewLease() else { return nil }
        var removed: [RetentionCategory: Int] = [:]
        for (organization, own) in try await store.retentionByOrganization().sorted(by: { $0.key < $1.key }) {
            let days = policy.effective(own)
            let brand = try await brandUploads(of: organization)
            for category in RetentionCategory.allCases {
                guard let keep = days[category], keep > 0 else { continue }
                let count = try await expire(category, in: organization, olderThan: keep, sparing: brand)
                removed[category, default: 0] += count
            }
            // Measured after the expiry, so the ratio is what the organisation holds now.
            if let limit = try await store.limits(for: organization, defaults: quotas).storedBytes, limit > 0 {
                let used = try await store.usage(organizationId: organization).storedBytes
                metrics.storageQuotaUsed(organization: organization, ratio: Double(used) / Double(limit))
            }
        }
        // Refusals of clients without an account belong to no organisation: the default applies.
        if let keep = policy.effective(RetentionSettings()).audit, keep > 0 {
            removed[.audit, default: 0] += try await expire(.audit, in: nil, olderThan: keep, sparing: [])
        }
        return removed
    }

    /// Batches until none is left; answers how many rows went.
    private func expire(
        _ category: RetentionCategory, in organization: OrganizationID?, olderThan days: Int, sparing: Set<UploadID>
    ) async throws -> Int {
        let cutoff = clock.now().addingTimeInterval(-Double(days) * 86400)
        var removed = 0
        while true {
            let expiry = try await store.expire(
                category, organizationId: organization, before: cutoff, sparing: sparing, limit: batch)
            await delete(expiry)
            removed += expiry.rows
            if expiry.rows < batch { break }
            // A long pass keeps its lease; one that lost it (a pause past the lease) stops here.
            guard try await renewLease() else { break }
        }
        guard removed > 0 else { return 0 }
        metrics.expired(category.rawValue, count: removed)
        logger.info(
            "expired data removed",
            metadata: [
                "retention.category": "\(category.rawValue)", "retention.removed": "\(removed)",
                "organization.id": "\(organization.map(\.rawValue) ?? "-")",
            ])
        if category != .audit || organization != nil {
            try await store.recordAudit(
                AuditEvent(
                    organizationId: organization, actorUserId: nil, actorAPIKeyId: nil, action: "retention.expire",
                    target: "\(category.rawValue):\(removed)", outcome: "success", status: 200, address: nil,
                    requestId: nil, at: clock.now()))
        }
        return removed
    }

    /// The rows are gone: their files go now. One that cannot be removed is logged and left
    /// (garbage, never a broken download); a job's folders go whole, frames and failed attempts too.
    private func delete(_ expiry: Expiry) async {
        var keys = expiry.blobs
        for job in expiry.jobs {
            for prefix in ["clips/\(job)/", "jobs/\(job)/"] {
                keys += (try? await blobs.keys(startingWith: prefix)) ?? []
            }
        }
        for key in Set(keys) {
            do {
                try await blobs.delete(key)
            } catch BlobError.notFound {
                continue
            } catch {
                logger.warning(
                    "an expired file could not be removed", metadata: ["blob.key": "\(key)", "error": "\(error)"])
            }
        }
    }

    /// The uploads the organisation's brand kit uses: they stay however old.
    private func brandUploads(of organization: OrganizationID) async throws -> Set<UploadID> {
        guard let kit = try await blobs.brandKit(for: organization) else { return [] }
        return Set(
            [kit.logo?.uploadId, kit.font?.uploadId, kit.intro?.uploadId, kit.outro?.uploadId].compactMap { $0 })
    }

    private func renewLease() async throws -> Bool {
        try await store.acquireLease(
            Self.leaseName, holder: holder,
            until: clock.now().addingTimeInterval(Double(policy.interval.components.seconds) * 2))
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            // The store is still being prepared when services start: the first pass comes an interval in.
            while (try? await Task.sleep(for: policy.interval)) != nil {
                do {
                    try await sweep()
                } catch {
                    logger.warning(
                        "expired data could not be removed; trying again later", metadata: ["error": "\(error)"])
                }
            }
        }
        // Stopping: another replica need not wait for the lease to lapse.
        try? await store.releaseLease(Self.leaseName, holder: holder)
    }
}
