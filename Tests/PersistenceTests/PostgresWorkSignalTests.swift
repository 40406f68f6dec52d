import ClipGenCore
import Foundation
import Logging
import PersistencePostgres
import ServiceLifecycle
import TestSupport
import Testing

/// Two processes' worth of clients on one database: a notification from one wakes the other's
/// idle workers, long before their poll would.
@Suite struct PostgresWorkSignalTests {
    @Test(.enabled(if: TestServers.postgresURL != nil))
    func aNotificationFromAnotherClientWakesAWaiter() async throws {
        let url = try await TestServers.freshPostgresDatabase()
        let here = try PostgresJobStore(configuration: PostgresJobStore.configuration(url: url))
        let there = try PostgresJobStore(configuration: PostgresJobStore.configuration(url: url))
        let listening = PostgresWorkSignal(store: here)
        let notifying = PostgresWorkSignal(store: there)
        let group = ServiceGroup(
            configuration: .init(services: [here, there, listening, notifying], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let started = ContinuousClock.now
            // The waiter would sleep a minute if only polling woke it; notify until it wakes (the
            // listener may not be connected for the first few).
            try await withThrowingTaskGroup(of: Void.self) { race in
                race.addTask { await listening.wait(timeout: .seconds(600)) }
                race.addTask {
                    while !Task.isCancelled {
                        await notifying.notify()
                        try await Task.sleep(for: .milliseconds(100))
                    }
                }
                try await race.next()
                race.cancelAll()
            }
            // Woken, not timed out: half of a ten-minute poll, which no busy machine's slow
            // connection (11 s seen while every suite starts at once) comes near.
            #expect(ContinuousClock.now - started < .seconds(300))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
