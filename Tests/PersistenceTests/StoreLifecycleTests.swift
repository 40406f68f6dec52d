import ClipGenCore
import Foundation
import Logging
import Persistence
import PersistenceSQLite
import ServiceLifecycle
import Synchronization
import TestSupport
import Testing

/// Stands for the server and the workers: on graceful shutdown it still writes (a worker
/// recording the task it stops), which works only if the store, listed before it, is still open.
private final class DrainingUser: Service {
    let store: any JobStore
    let wroteWhileDraining = Mutex(false)
    init(store: any JobStore) { self.store = store }

    func run() async throws {
        try? await gracefulShutdown()
        try await store.createOrganization(Organization(name: "late", createdAt: Date()))
        wroteWhileDraining.withLock { $0 = true }
    }
}

@Suite struct StoreLifecycleTests {
    @Test(arguments: StoreBackend.all)
    func aStoreServesUntilEverythingListedAfterItHasDrained(backend: StoreBackend) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await backend.make(dir, .system)
            let user = DrainingUser(store: store)
            let group = ServiceGroup(configuration: .init(services: [store, user], logger: Logger(label: "test")))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                // While the store runs: a pooled client connects only then.
                try await store.prepare()
                try await store.prepare() // idempotent: a second process starting does the same
                try await store.createOrganization(Organization(name: "running", createdAt: Date()))
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            #expect(user.wroteWhileDraining.withLock { $0 })
        }
    }

    @Test func theSQLiteStoreClosesWhenShutdownReachesItAndRefusesLaterCalls() async throws {
        try await withTemporaryDirectory { dir in
            let store = SQLiteJobStore(path: dir + "/db/clipgen.sqlite")
            #expect(!FileManager.default.fileExists(atPath: dir + "/db"), "creating the store does no I/O")
            let group = ServiceGroup(configuration: .init(services: [store], logger: Logger(label: "test")))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                try store.prepare()
                #expect(try await store.userCount() == 0)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            await #expect(throws: StoreError.shutDown) { try await store.userCount() }
            #expect(await store.isReachable() == false)
        }
    }
}
