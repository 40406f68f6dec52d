import ClipGenCore
import Foundation
import Logging
import PersistencePostgres
import ServiceLifecycle
import Testing
import TestSupport

/// Two processes' worth of clients on one database: a notification from one wakes the other's
/// idle workers, long before their poll would.
@Suite struct PostgresWorkSignalTests {
    @Test(.enabled(if: TestServers.postgresURL != nil))
    func aNotificationFromAnotherClientWakesAWaiter() async throws {
        let url = try await TestServers.freshPostgresDatabase()
        let here = try PostgresJobStore(configuration: PostgresJobStore.configuration(url: url))
        let there = try PostgresJobStore(configuration: PostgresJobStore.configuration(url: url))
        let listening = PostgresWorkSignal(store: here), notifying = PostgresWorkSignal(store: there)
        let group = ServiceGroup(configuration: .init(services: [here, there, listening, notifying], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let started = ContinuousClock.now
            // The waiter would sleep a minute if only polling woke it; notify until it wakes (the
            // listener may not be connected for the first few).
            try await withThrowingTaskGroup(of: Void.self) { race in
                race.addTask { await listening.wait(timeout: .seconds(60)) }
                race.addTask {
                    while !Task.isCancelled {
                        await notifying.notify()
                        try await Task.sleep(for: .milliseconds(100))
                    }
                }
                try await race.next()
                race.cancelAll()
            }
            // Half the poll: the first seconds of `make test` run every suite at once on two cores,
            // and the listener's connection has been seen to take 11 s to come up then.
            #expect(ContinuousClock.now - started < .seconds(30))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
