import Synchronization

/// How a task that may never end is waited for: up to a limit, and no longer. A task group
/// cannot do it, since it waits for every child, and a query on a pool that is being replaced
/// has been seen never to end, cancelled or not (postgres-nio 1.33); the task is left to end
/// on its own.
enum Deadline {
    /// `work`'s result, or nil once `limit` has passed first.
    static func result<T: Sendable>(of work: Task<T, any Error>, within limit: Duration) async -> Result<T, any Error>?
    {
        let answer = FirstAnswer<Result<T, any Error>>()
        return await withCheckedContinuation { continuation in
            answer.waiting(continuation)
            Task { answer.give(await work.result) }
            Task {
                try? await Task.sleep(for: limit)
                answer.give(nil)
            }
        }
    }
}

/// Resumes its continuation with the first answer given; later ones are dropped.
final class FirstAnswer<Value: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<Value?, Never>?>(nil)

    func waiting(_ waiting: CheckedContinuation<Value?, Never>) {
        continuation.withLock { $0 = waiting }
    }

    func give(_ value: Value?) {
        continuation.withLock { continuation in
            defer { continuation = nil }
            return continuation
        }?.resume(returning: value)
    }
}
