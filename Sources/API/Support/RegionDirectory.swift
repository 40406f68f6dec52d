import ClipGenCore
import Foundation
import Persistence
import Synchronization

/// What a replica knows of the other regions, looked up in the database and kept for a moment
/// (writes are the only requests that ask, and an organisation's home changes rarely): each
/// organisation's home region, and which regions have a worker seen within the takeover time.
final class RegionDirectory<Store: Residency & WorkerRegistry>: Sendable {
    private struct Cached<Value: Sendable>: Sendable {
        var value: Value
        var until: ContinuousClock.Instant
    }

    private let store: Store
    private let takeover: Double
    private let keep: Duration
    private let homes = Mutex<[OrganizationID: Cached<String?>]>([:])
    private let live = Mutex<Cached<Set<String>>?>(nil)

    init(store: Store, takeover: Double, keep: Duration = .seconds(2)) {
        self.store = store
        self.takeover = takeover
        self.keep = keep
    }

    func homeRegion(of organization: OrganizationID) async throws -> String? {
        let now = ContinuousClock.now
        if let cached = homes.withLock({ $0[organization] }), cached.until > now { return cached.value }
        let region = try await store.homeRegion(organizationId: organization)
        homes.withLock { homes in
            // Bounded: a flood of organisations must not grow it without end.
            if homes.count >= 10_000 { homes.removeAll() }
            homes[organization] = Cached(value: region, until: now + keep)
        }
        return region
    }

    /// Regions with a worker seen within the takeover time: the ones that can do their own work.
    func liveRegions() async throws -> Set<String> {
        let now = ContinuousClock.now
        if let cached = live.withLock({ $0 }), cached.until > now { return cached.value }
        let regions = Set(try await store.liveWorkers(seenWithin: takeover).compactMap(\.region))
        live.withLock { $0 = Cached(value: regions, until: now + keep) }
        return regions
    }
}
