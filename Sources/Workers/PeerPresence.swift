import Synchronization

/// What a worker last learned from the registry: whether a live worker can do what this one
/// cannot (a GPU worker, for a CPU-only one). Work that prefers such a worker is then left to it
/// for the fallback wait before this one takes it.
final class PeerPresence: Sendable {
    private let alive = Mutex(false)

    var betterSuitedAlive: Bool { alive.withLock { $0 } }

    /// Records what the registry said; true when that changed.
    func update(betterSuitedAlive now: Bool) -> Bool {
        alive.withLock { state in
            defer { state = now }
            return state != now
        }
    }
}
