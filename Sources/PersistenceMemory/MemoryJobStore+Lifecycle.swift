import ClipGenCore
import Foundation
import Persistence
import Synchronization

extension MemoryJobStore {
    public func retention(organizationId: OrganizationID) async throws -> RetentionSettings? {
        state.withLock {
            $0.organizations[organizationId] == nil ? nil : ($0.retention[organizationId] ?? RetentionSettings())
        }
    }

    @discardableResult
    public func setRetention(_ settings: RetentionSettings, organizationId: OrganizationID) async throws -> Bool {
        state.withLock { state in
            guard state.organizations[organizationId] != nil else { return false }
            state.retention[organizationId] = settings
            return true
        }
    }

    public func retentionByOrganization() async throws -> [OrganizationID: RetentionSettings] {
        state.withLock { state in
            Dictionary(
                uniqueKeysWithValues: state.organizations.keys.map { ($0, state.retention[$0] ?? RetentionSettings()) })
        }
    }

    public func expire(
        _ category: RetentionCategory, organizationId: OrganizationID?, before cutoff: Date,
        sparing: Set<UploadID>, limit: Int
    ) async throws -> Expiry {
        state.withLock { state in
            guard let organizationId else {
                guard category == .audit else { return Expiry() }
                let old = state.audit.filter { $0.organizationId == nil && $0.at < cutoff }.prefix(limit).map(
                    \.sequence)
                let gone = Set(old)
                state.audit.removeAll { gone.contains($0.sequence) }
                return Expiry(rows: old.count)
            }
            let finished = { (job: Job) in job.status.isTerminal && (job.finishedAt ?? job.createdAt) < cutoff }
            switch category {
            case .uploads:
                let running = Set(state.jobs.values.filter { !$0.status.isTerminal }.compactMap(\.uploadId))
                let expired = state.uploads.values.filter {
                    $0.organizationId == organizationId && $0.createdAt < cutoff && !running.contains($0.id)
                        && !sparing.contains($0.id)
                }.sorted { $0.createdAt < $1.createdAt }.prefix(limit)
                for upload in expired { state.uploads[upload.id] = nil }
                let stillUsed = Set(state.uploads.values.map(\.blobKey))
                let blobs =
                    expired.compactMap { try? Transcript.blobKey(for: $0.id) }
                    + Set(expired.map(\.blobKey)).subtracting(stillUsed)
                return Expiry(rows: expired.count, blobs: blobs)
            case .clips:
                let expired = state.clips.values.filter { clip in
                    clip.organizationId == organizationId && clip.createdAt < cutoff
                        && state.jobs[clip.jobId]?.status.isTerminal != false
                }.sorted { $0.createdAt < $1.createdAt }.prefix(limit)
                for clip in expired { state.clips[clip.id] = nil }
                return Expiry(rows: expired.count, blobs: expired.flatMap(\.blobKeys))
            case .analyses:
                let expired = state.analyses.keys.filter { id in
                    state.jobs[id].map { $0.organizationId == organizationId && finished($0) } ?? false
                }.prefix(limit)
                for id in expired { state.analyses[id] = nil }
                return Expiry(rows: expired.count)
            case .jobs:
                let expired = state.jobs.values.filter { $0.organizationId == organizationId && finished($0) }
                    .sorted { ($0.finishedAt ?? $0.createdAt) < ($1.finishedAt ?? $1.createdAt) }.prefix(limit)
                let blobs = expired.flatMap { state.removeJob($0) }
                // A batch goes with the last of its jobs.
                let kept = Set(state.jobs.values.compactMap(\.request.batch))
                state.batches = state.batches.filter { id, batch in
                    batch.organizationId != organizationId || kept.contains(id)
                        || (batch.finishedAt.map { $0 >= cutoff } ?? true)
                }
                return Expiry(rows: expired.count, blobs: blobs, jobs: expired.map(\.id))
            case .audit:
                let old = state.audit.filter { $0.organizationId == organizationId && $0.at < cutoff }.prefix(limit)
                    .map(\.sequence)
                let gone = Set(old)
                state.audit.removeAll { gone.contains($0.sequence) }
                return Expiry(rows: old.count)
            case .webhooks:
                let old = state.deliveries.filter {
                    $0.delivery.organizationId == organizationId && $0.delivery.state != .pending
                        && $0.delivery.createdAt < cutoff
                }.prefix(limit).map(\.delivery.id)
                let gone = Set(old)
                state.deliveries.removeAll { gone.contains($0.delivery.id) }
                return Expiry(rows: old.count)
            }
        }
    }

    public func acquireLease(_ name: String, holder: String, until: Date) async throws -> Bool {
        let now = self.now
        return state.withLock { state in
            if let lease = state.leases[name], lease.holder != holder, lease.expiresAt > now { return false }
            state.leases[name] = (holder, until.timeIntervalSince1970)
            return true
        }
    }

    public func releaseLease(_ name: String, holder: String) async throws {
        state.withLock { state in
            if state.leases[name]?.holder == holder { state.leases[name] = nil }
        }
    }
}
