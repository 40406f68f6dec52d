import Synchronization

/// Lets tasks wait, cancellably, until someone calls `notifyAll()`. A latching notifier stays
/// signalled once notified (for one-way events like shutdown); a plain one wakes only the
/// current waiters (for "there is new work").
public final class Notifier: Sendable {
    private struct State {
        var signalled = false
        var nextID = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        /// Ids between `wait()` starting and its continuation being stored; cancellation in that
        /// window removes the id, which tells registration to return at once.
        var unregistered: Set<Int> = []
    }
    private let state = Mutex(State())
    private let latching: Bool

    public init(latching: Bool = false) { self.latching = latching }

    public var isSignalled: Bool { state.withLock { $0.signalled } }

    public func notifyAll() {
        let waiters = state.withLock { state in
            if latching { state.signalled = true }
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns on the next notification (at once if latched), or when the task is cancelled.
    public func wait() async {
        let id = state.withLock { state in
            state.nextID += 1
            state.unregistered.insert(state.nextID)
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state in
                    let cancelled = state.unregistered.remove(id) == nil
                    if state.signalled || cancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
                state.unregistered.remove(id)
                return nil
            }
            waiter?.resume()
        }
    }

    /// Returns on the next notification or after `timeout`, whichever comes first.
    public func wait(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask { await self.wait() }
            await group.next()
            group.cancelAll()
        }
    }
}
