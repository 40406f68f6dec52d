import ClipGenCore
import Coordination
import Logging
import Persistence
import PostgresNIO
import ServiceLifecycle

/// Wakes idle workers in every process sharing the database: `notify()` is a PostgreSQL
/// `NOTIFY`, and `run()` keeps one pooled connection `LISTEN`ing, waking this process's waiters
/// when any process notifies. Without the listener (a dropped connection, until it reconnects)
/// workers still find work by polling, only later.
public struct PostgresWorkSignal: WorkSignal, Service {
    static let channel = "clipgen_work"
    private let store: PostgresJobStore
    private let local = Notifier()

    public init(store: PostgresJobStore) {
        self.store = store
    }

    public func notify() async {
        // Wakes this process at once; other processes through the database.
        local.notifyAll()
        do {
            try await store.run("SELECT pg_notify(\(Self.channel), '')")
        } catch {
            store.logger.debug(
                "work notification not sent; workers elsewhere poll",
                metadata: ["error": "\(String(reflecting: error))"])
        }
    }

    public func wait(timeout: Duration) async {
        await local.wait(timeout: timeout)
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await store.client.withConnection { connection in
                        try await connection.listen(on: Self.channel) { notifications in
                            for try await _ in notifications { local.notifyAll() }
                        }
                    }
                } catch {
                    guard !Task.isCancelled else { return }
                    store.logger.warning(
                        "listening for new work failed; retrying", metadata: ["error": "\(String(reflecting: error))"])
                }
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}
