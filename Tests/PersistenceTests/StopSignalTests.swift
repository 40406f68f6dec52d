import Testing

@testable import PersistencePostgres

/// The one-shot signal the PostgreSQL store's `run` waits on once cancelled: fired before or after
/// the wait, once or twice, every waiter returns.
@Suite struct StopSignalTests {
    @Test func aSignalFiredBeforeTheWaitIsNotMissed() async {
        let signal = StopSignal()
        signal.fire()
        signal.fire()
        await signal.wait()
        await signal.wait()
    }

    @Test func everyWaiterReturnsWhenItFires() async {
        let signal = StopSignal()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 { group.addTask { await signal.wait() } }
            group.addTask { signal.fire() }
        }
    }
}
