import Synchronization

/// A piece of work done once per process however many callers ask for it; later and concurrent
/// callers wait for the first one's result (the HTTP server and the workers both need the
/// storage prepared, and neither may run it twice).
final class Once<Value: Sendable>: Sendable {
    private let task = Mutex<Task<Value, any Error>?>(nil)

    func value(_ work: @escaping @Sendable () async throws -> Value) async throws -> Value {
        let running = task.withLock { task in
            if let task { return task }
            let started = Task { try await work() }
            task = started
            return started
        }
        return try await running.value
    }
}
