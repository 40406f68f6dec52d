import Synchronization

/// `SharedCache` within one process: the second implementation of the conformance suite, and
/// a shared level for a single process that wants one.
public final class LocalSharedCache: SharedCache {
    private struct Slot {
        var value: String?
        var expires: ContinuousClock.Instant = .now
        var version = 0
    }
    private let slots = Mutex<[String: Slot]>([:])

    public init() {}

    public func lookup(_ key: String) async -> SharedCacheLookup {
        slots.withLock { slots in
            let slot = slots[key] ?? Slot()
            let value = slot.expires > .now ? slot.value : nil
            return SharedCacheLookup(value: value, version: String(slot.version))
        }
    }

    public func store(_ key: String, value: String, ifVersion version: String, lifetime: Duration) async {
        slots.withLock { slots in
            var slot = slots[key] ?? Slot()
            guard String(slot.version) == version else { return }
            if slots.count > 50_000 { slots = slots.filter { $0.value.expires > .now } }
            slot.value = value
            slot.expires = .now + lifetime
            slots[key] = slot
        }
    }

    public func invalidate(_ key: String) async {
        slots.withLock { slots in
            var slot = slots[key] ?? Slot()
            slot.value = nil
            slot.version += 1
            slots[key] = slot
        }
    }
}
