import ClipGenCore
import Coordination

/// Tells a worker pool's slots that shutdown began, and lets running tasks wait for the end
/// of the grace period that follows.
final class ShutdownSignal: Sendable {
    private let began = Notifier(latching: true)

    var isStopping: Bool { began.isSignalled }

    func begin() { began.notifyAll() }

    /// Returns after `interval`, or at once when shutdown begins.
    func wait(upTo interval: Duration) async {
        await began.wait(timeout: interval)
    }

    /// Returns `grace` after shutdown begins, or as soon as the calling task is cancelled.
    func waitForDeadline(after grace: Duration) async {
        await began.wait()
        if !Task.isCancelled { try? await Task.sleep(for: grace) }
    }
}
