import ClipGenCore

/// Wakes idle workers when new work may be claimable. In one process a notifier is enough;
/// workers in other processes fall back to polling until a backend can signal across machines
/// (PostgreSQL's LISTEN/NOTIFY).
public protocol WorkSignal: Sendable {
    func notify() async
    /// Returns when `notify()` is called, or after `timeout` at the latest.
    func wait(timeout: Duration) async
}

/// `WorkSignal` within one process.
public struct LocalWorkSignal: WorkSignal {
    private let notifier = Notifier()
    public init() {}
    public func notify() async { notifier.notifyAll() }
    public func wait(timeout: Duration) async { await notifier.wait(timeout: timeout) }
}
