import Coordination
import Testing

@Suite struct NotifierTests {
    @Test func latchedNotifierReleasesLaterWaitersAtOnce() async {
        let notifier = Notifier(latching: true)
        notifier.notifyAll()
        await notifier.wait()
        #expect(notifier.isSignalled)
    }

    @Test func cancellingAWaiterReturnsIt() async {
        let notifier = Notifier()
        let waiter = Task { await notifier.wait() }
        try? await Task.sleep(for: .milliseconds(50))
        waiter.cancel()
        await waiter.value // would hang forever if cancellation were ignored
        #expect(!notifier.isSignalled)
    }

    @Test func notifyWakesCurrentWaiters() async {
        let notifier = Notifier()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await notifier.wait() }
            group.addTask { await notifier.wait() }
            try? await Task.sleep(for: .milliseconds(50))
            notifier.notifyAll()
        }
    }
}
