import ClipGenCore
import Coordination
import Foundation
import NIOCore
import Synchronization

/// The encoded JSON of `GET /v1/jobs/{id}`, cached at two levels: this process's memory, then
/// the replicas' shared cache (Redis) when there is one. Every change to a job invalidates both:
/// the API's own writes at once, the workers' through the job's events (`JobCacheInvalidation`),
/// so a poll sees a change as soon as its event is relayed. Running jobs also expire quickly, in
/// case an invalidation was missed; a finished job is checked against the database's status on
/// every hit (a cheap indexed read), so a job deleted through another replica is never served.
final class JobStatusCache: Sendable {
    struct Entry: Sendable {
        var organizationId: OrganizationID
        var status: JobStatus
        var body: ByteBuffer
        var expires: ContinuousClock.Instant
    }

    private struct State {
        var entries: [JobID: Entry] = [:]
        /// Moves on with every invalidation; a load that saw another value stores nothing.
        var invalidations: UInt64 = 0
    }

    private let state = Mutex(State())
    let shared: (any SharedCache)?
    let capacity: Int
    static let localLifetime = Duration.seconds(2)
    static let sharedLifetime = Duration.seconds(10)
    static let finishedLifetime = Duration.seconds(3600)

    init(shared: (any SharedCache)?, capacity: Int = 4096) {
        self.shared = shared
        self.capacity = capacity
    }

    /// The job's body from a cache level, or from `load` (nil: no such job in the organisation).
    /// `status` reads the job's status from the database, for finished jobs.
    func body(
        for id: JobID, organizationId: OrganizationID, status: (JobID) async throws -> JobStatus?,
        load: () async throws -> (Job, ByteBuffer)?
    ) async throws -> ByteBuffer? {
        let now = ContinuousClock.now
        let (local, seen) = state.withLock { ($0.entries[id], $0.invalidations) }
        if let local, local.organizationId == organizationId, local.status.isTerminal || local.expires > now {
            if !local.status.isTerminal { return local.body }
            if try await status(id) == local.status { return local.body }
        }
        let lookup = await shared?.lookup(Self.key(id))
        if let text = lookup?.value, let entry = Self.decode(text), entry.organizationId == organizationId {
            let current = entry.status.isTerminal ? try await status(id) : entry.status
            if current == entry.status {
                keep(id, entry, ifUnchangedSince: seen)
                return entry.body
            }
        }
        guard let (job, body) = try await load() else { return nil }
        let entry = Entry(
            organizationId: job.organizationId, status: job.status, body: body,
            expires: now + (job.status.isTerminal ? Self.finishedLifetime : Self.localLifetime))
        keep(id, entry, ifUnchangedSince: seen)
        if let shared, let lookup {
            await shared.store(
                Self.key(id), value: Self.encode(entry), ifVersion: lookup.version,
                lifetime: job.status.isTerminal ? Self.finishedLifetime : Self.sharedLifetime)
        }
        return body
    }

    /// Forgets the job at both levels.
    func invalidate(_ id: JobID) async {
        state.withLock { state in
            state.invalidations &+= 1
            state.entries.removeValue(forKey: id)
        }
        await shared?.invalidate(Self.key(id))
    }

    private func keep(_ id: JobID, _ entry: Entry, ifUnchangedSince seen: UInt64) {
        state.withLock { state in
            guard state.invalidations == seen else { return }
            if state.entries.count >= capacity { state.entries.removeAll(keepingCapacity: true) }
            state.entries[id] = entry
        }
    }

    static func key(_ id: JobID) -> String { "job:" + id.rawValue }

    /// `organisation status\n` then the body: what the shared level holds.
    static func encode(_ entry: Entry) -> String {
        "\(entry.organizationId.rawValue) \(entry.status.rawValue)\n" + String(buffer: entry.body)
    }

    static func decode(_ text: String) -> Entry? {
        guard let newline = text.firstIndex(of: "\n") else { return nil }
        let header = text[..<newline].split(separator: " ")
        guard header.count == 2, let status = JobStatus(rawValue: String(header[1])) else { return nil }
        return Entry(
            organizationId: OrganizationID(rawValue: String(header[0])), status: status,
            body: ByteBuffer(string: String(text[text.index(after: newline)...])),
            expires: .now + (status.isTerminal ? finishedLifetime : localLifetime))
    }
}
