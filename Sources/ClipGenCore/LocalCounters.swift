import Synchronization

/// `SharedCounters` within one process. Expired windows are dropped as new ones open, so the
/// map holds only keys counted within the longest window.
public final class LocalCounters: SharedCounters {
    private struct Window {
        var count: Int64
        var ends: ContinuousClock.Instant
    }
    private let windows = Mutex<[String: Window]>([:])

    public init() {}

    public func increment(_ key: String, by amount: Int64, window: Duration) async throws -> Int64 {
        let now = ContinuousClock.now
        return windows.withLock { windows in
            if windows.count > 10_000 { windows = windows.filter { $0.value.ends > now } }
            guard let current = windows[key], current.ends > now else {
                windows[key] = Window(count: amount, ends: now + window)
                return amount
            }
            windows[key]!.count = current.count + amount
            return current.count + amount
        }
    }
}
