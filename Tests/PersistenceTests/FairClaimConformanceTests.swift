import ClipGenCore
import Foundation
import Persistence
import Testing

/// The claim's order on every store: between organisations the one with the fewest tasks running
/// goes first, so a backlog never starves another organisation's single job; within one, the
/// job's priority, then the oldest.
@Suite struct FairClaimConformanceTests {
    /// A queued probe of a job of `organization` with `priority`; the clock moves a second on.
    private func queue(_ f: Fixture, _ organization: Organization, owner: UserID, priority: Int? = nil) async throws
        -> TaskID
    {
        var request = JobRequest(source: .init(uploadId: .make()), clips: [.init(start: 0, end: 1)])
        request.thumbnails = false
        request.priority = priority
        let job = Job(organizationId: organization.id, ownerId: owner, request: request, createdAt: f.time.current)
        let task = TaskRecord(jobId: job.id, kind: .probe, maxAttempts: 3)
        _ = try await f.store.createJob(job, firstTask: task, idempotencyKey: nil)
        f.time.advance(by: 1)
        return task.id
    }

    private func claim(_ f: Fixture) async throws -> TaskID? {
        try await f.store.claimTask(worker: "w", capabilities: [.cpu], leaseSeconds: 300)?.task.id
    }

    @Test(arguments: StoreBackend.all)
    func anotherOrganisationsSingleJobGoesBeforeABacklog(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            let other = Organization(name: "other", createdAt: f.time.current)
            try await f.store.createOrganization(other)
            let stranger = User(
                organizationId: other.id, email: "s\(Identifier.make().prefix(6))@x.test", passwordHash: "h",
                role: .user, createdAt: f.time.current)
            try await f.store.createUser(stranger)
            var backlog: [TaskID] = []
            for _ in 0..<5 { backlog.append(try await queue(f, f.organization, owner: f.user.id)) }
            #expect(try await claim(f) == backlog[0])
            #expect(try await claim(f) == backlog[1])
            // Submitted last, with two of the backlog's tasks running: taken next.
            let single = try await queue(f, other, owner: stranger.id)
            #expect(try await claim(f) == single)
            // The other organisation has nothing queued: the backlog goes on in order.
            #expect(try await claim(f) == backlog[2])
            // 3 running against 1: the other organisation's new job goes first again.
            let second = try await queue(f, other, owner: stranger.id)
            #expect(try await claim(f) == second)
            #expect(try await claim(f) == backlog[3])
        }
    }

    @Test(arguments: StoreBackend.all)
    func aJobsPriorityOrdersItsOrganisationsQueue(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            let low = try await queue(f, f.organization, owner: f.user.id, priority: -5)
            let normal = try await queue(f, f.organization, owner: f.user.id)
            let urgent = try await queue(f, f.organization, owner: f.user.id, priority: 10)
            let alsoNormal = try await queue(f, f.organization, owner: f.user.id)
            #expect(try await claim(f) == urgent)
            #expect(try await claim(f) == normal)
            #expect(try await claim(f) == alsoNormal)
            #expect(try await claim(f) == low)
            #expect(try await claim(f) == nil)
        }
    }
}
