import ClipGenCore

/// Wakes idle workers when new work may be claimable. In one process a notifier is enough
/// (`LocalWorkSignal`; with SQLite, workers in other processes poll); with PostgreSQL,
/// `PostgresWorkSignal` wakes every process through LISTEN/NOTIFY.
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
