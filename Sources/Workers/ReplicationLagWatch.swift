import BlobStorage
import ClipGenCore
import Synchronization

/// With asynchronous replication nothing waits for the second region, so its lag is watched
/// instead: each finished task's files are looked for in the replica until they read back at
/// full size. The lag reported is the age of the oldest file still missing there or, when none
/// is, how long the last one took to arrive: it keeps growing while the sync is broken, which is
/// what an alert needs, and needs no marker object in the bucket.
public final class ReplicationLagWatch: Sendable {
    struct Pending: Sendable {
        var key: BlobKey
        var size: Int64
        var since: ContinuousClock.Instant
    }

    private struct State {
        var pending: [Pending] = []
        var last: Duration = .zero
    }
    private let state = Mutex(State())

    public init() {}
    /// Files watched at most; beyond it the oldest are forgotten (a sync down for days).
    static let limit = 10_000

    public func add(_ files: [(key: BlobKey, size: Int64)], at now: ContinuousClock.Instant) {
        state.withLock { state in
            state.pending += files.map { Pending(key: $0.key, size: $0.size, since: now) }
            if state.pending.count > Self.limit { state.pending.removeFirst(state.pending.count - Self.limit) }
        }
    }

    /// Looks for every pending file once: those in the replica at their size are done, those no
    /// longer in this region's store (deleted since) are dropped. Answers the lag as of `now`.
    public func check(replica: any BlobStore, own: any BlobStore, now: ContinuousClock.Instant) async -> Duration {
        let pending = state.withLock { $0.pending }
        var arrived: Set<BlobKey> = []
        var gone: Set<BlobKey> = []
        var last: Duration?
        for file in pending {
            if (try? await replica.size(of: file.key)) == file.size {
                arrived.insert(file.key)
                last = now - file.since
            } else {
                do {
                    if try await own.size(of: file.key) == nil { gone.insert(file.key) }
                } catch {
                    // This region's store did not answer: the file is looked for next time.
                }
            }
        }
        return state.withLock { state in
            state.pending.removeAll { arrived.contains($0.key) || gone.contains($0.key) }
            if let last { state.last = last }
            return state.pending.first.map { now - $0.since } ?? state.last
        }
    }

    public var pendingCount: Int { state.withLock { $0.pending.count } }
}
