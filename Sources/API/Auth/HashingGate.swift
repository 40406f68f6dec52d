import Foundation
import HTTPTypes

/// Lets a few password hashes run at once and a bounded number wait; past that, callers are
/// turned away at once with `503` instead of queueing CPU work without end.
public actor HashingGate {
    let concurrent: Int
    let maxWaiting: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// Default: half the cores (at least one) hashing, 32 waiting.
    public init(concurrent: Int = max(1, ProcessInfo.processInfo.activeProcessorCount / 2), maxWaiting: Int = 32) {
        self.concurrent = max(1, concurrent)
        self.maxWaiting = max(0, maxWaiting)
    }

    public func run<T: Sendable>(_ work: @Sendable () async throws -> T) async throws -> T {
        if running >= concurrent {
            guard waiting.count < maxWaiting else {
                throw Problem.retryLater(.serviceUnavailable, after: 1, "too many sign-ins at once; try again in a moment")
            }
            await withCheckedContinuation { waiting.append($0) }
        } else {
            running += 1
        }
        // The slot passes straight to the next waiter, so `running` counts it throughout.
        defer {
            if waiting.isEmpty { running -= 1 } else { waiting.removeFirst().resume() }
        }
        return try await work()
    }
}
