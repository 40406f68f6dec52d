import Synchronization

/// What a worker last learned from the registry: whether a live worker can do what this one
/// cannot (a GPU worker, for a CPU-only one) — work that prefers such a worker is then left to it
/// for the fallback wait before this one takes it — and which other regions have a live worker,
/// whose organisations' work is left to them.
final class PeerPresence: Sendable {
    private let alive = Mutex(false)
    private let regions = Mutex<[String]>([])

    var betterSuitedAlive: Bool { alive.withLock { $0 } }

    /// Regions other than this worker's with a worker seen within the takeover time.
    var otherRegionsAlive: [String] { regions.withLock { $0 } }

    /// Records what the registry said; true when that changed.
    func update(betterSuitedAlive now: Bool) -> Bool {
        alive.withLock { state in
            defer { state = now }
            return state != now
        }
    }

    /// Records the other regions seen alive (sorted); true when that changed.
    func update(otherRegionsAlive now: [String]) -> Bool {
        regions.withLock { state in
            defer { state = now }
            return state != now
        }
    }
}
