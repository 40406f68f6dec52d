import ClipGenCore
import Foundation
import Persistence
import Testing

/// Organisations' home regions and claims that leave a region's work to its own workers, on every store.
@Suite struct RegionConformanceTests {
    /// An organisation homed in `region`, and one queued job of it; the job's first task.
    private func queuedJob(_ f: Fixture, homedIn region: String?) async throws -> (Organization, TaskRecord) {
        let organization = Organization(name: "org-\(region ?? "none")", createdAt: f.time.current, homeRegion: region)
        try await f.store.createOrganization(organization)
        let task = TaskRecord(jobId: .make(), kind: .probe, maxAttempts: 3)
        let job = Job(
            id: task.jobId, organizationId: organization.id, ownerId: f.user.id,
            request: JobRequest(source: .init(uploadId: .make()), clips: [.init(start: 0, end: 1)]),
            createdAt: f.time.current)
        _ = try await f.store.createJob(job, firstTask: task, idempotencyKey: nil)
        return (organization, task)
    }

    private func claim(_ f: Fixture, excluding regions: [String]) async throws -> ClaimedTask? {
        try await f.store.claimTask(
            worker: "w", capabilities: [.cpu], fallbackAfter: 0, excludingRegions: regions, leaseSeconds: 30)
    }

    @Test(arguments: StoreBackend.all)
    func homeRegionsAreKeptAndMoved(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            let homed = Organization(name: "homed", createdAt: f.time.current, homeRegion: "eu-1")
            try await f.store.createOrganization(homed)
            #expect(try await f.store.homeRegion(organizationId: homed.id) == "eu-1")
            #expect(try await f.store.homeRegion(organizationId: f.organization.id) == nil)
            #expect(try await f.store.setHomeRegion("us-2", organizationId: homed.id))
            #expect(try await f.store.homeRegion(organizationId: homed.id) == "us-2")
            #expect(try await f.store.setHomeRegion(nil, organizationId: homed.id))
            #expect(try await f.store.homeRegion(organizationId: homed.id) == nil)
            #expect(try await !f.store.setHomeRegion("a", organizationId: .make()))
        }
    }

    @Test(arguments: StoreBackend.all)
    func aRegionsWorkIsLeftToItWhileItsWorkersLive(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            let (_, inA) = try await queuedJob(f, homedIn: "a")
            // Region a has live workers: b's worker passes its task over.
            #expect(try await claim(f, excluding: ["a"]) == nil)
            // A worker of a, or of no region, or one that saw no live worker in a, takes it.
            let taken = try #require(try await claim(f, excluding: ["b"]))
            #expect(taken.task.id == inA.id)
            let (_, anywhere) = try await queuedJob(f, homedIn: nil)
            #expect(try await claim(f, excluding: ["a", "b"])?.task.id == anywhere.id)
            let (_, alsoA) = try await queuedJob(f, homedIn: "a")
            #expect(try await claim(f, excluding: ["a"]) == nil)
            #expect(try await claim(f, excluding: [])?.task.id == alsoA.id)
        }
    }

    @Test(arguments: StoreBackend.all)
    func aTaskKeepsTheRegionItWasQueuedWith(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            let (organization, task) = try await queuedJob(f, homedIn: "a")
            try await f.store.setHomeRegion("b", organizationId: organization.id)
            #expect(try await claim(f, excluding: ["a"]) == nil)
            #expect(try await claim(f, excluding: ["b"])?.task.id == task.id)
        }
    }

    @Test(arguments: StoreBackend.all)
    func anExpiredLeaseOfARegionsTaskWaitsForThatRegionToo(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            let (_, task) = try await queuedJob(f, homedIn: "a")
            _ = try #require(try await claim(f, excluding: []))
            f.time.advance(by: 31)
            #expect(try await claim(f, excluding: ["a"]) == nil)
            #expect(try await claim(f, excluding: [])?.task.id == task.id)
        }
    }

    @Test(arguments: StoreBackend.all)
    func workersSayWhereTheyRun(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            try await f.store.workerSeen("in-a", capabilities: [.cpu], region: "a")
            try await f.store.workerSeen("nowhere", capabilities: [.cpu])
            let live = try await f.store.liveWorkers(seenWithin: 60)
            #expect(live.map(\.id) == ["in-a", "nowhere"])
            #expect(live.map(\.region) == ["a", nil])
        }
    }
}
