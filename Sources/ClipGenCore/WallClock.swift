import Foundation
import Synchronization

/// The time source for leases, backoff and timestamps. Injected so tests can move time
/// forward instead of sleeping.
public struct WallClock: Sendable {
    public var now: @Sendable () -> Date
    public init(now: @escaping @Sendable () -> Date) { self.now = now }

    public static let system = WallClock { Date() }

    /// A clock that only moves when told to; for tests of leases and backoff.
    public static func manual(start: Date = Date(timeIntervalSince1970: 1_800_000_000)) -> (WallClock, ManualTime) {
        let time = ManualTime(start)
        return (WallClock { time.current }, time)
    }
}

public final class ManualTime: Sendable {
    private let value: Mutex<Date>
    init(_ start: Date) { value = Mutex(start) }
    public var current: Date { value.withLock { $0 } }
    public func advance(by seconds: TimeInterval) { value.withLock { $0 += seconds } }
}
