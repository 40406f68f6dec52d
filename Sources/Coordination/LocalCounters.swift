import ClipGenCore
import Foundation
import Synchronization

/// `SharedCounters` within one process. Expired windows are dropped as new ones open, so the
/// map holds only keys counted within the longest window. Windows are measured on `clock`.
public final class LocalCounters: SharedCounters {
    private struct Window {
        var count: Int64
        var ends: Date
    }
    private let windows = Mutex<[String: Window]>([:])
    private let clock: WallClock

    public init(clock: WallClock = .system) {
        self.clock = clock
    }

    public func increment(_ key: String, by amount: Int64, window: Duration) async throws -> Int64 {
        let now = clock.now()
        let length = Double(window.components.seconds) + Double(window.components.attoseconds) / 1e18
        return windows.withLock { windows in
            if windows.count > 10_000 { windows = windows.filter { $0.value.ends > now } }
            guard let current = windows[key], current.ends > now else {
                windows[key] = Window(count: amount, ends: now.addingTimeInterval(length))
                return amount
            }
            windows[key]!.count = current.count + amount
            return current.count + amount
        }
    }
}
