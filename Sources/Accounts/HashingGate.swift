import Foundation

/// Lets a few password hashes run at once and a bounded number wait; past that, callers are
/// turned away at once (`AccountError.busy`, a 503 at the edge) instead of queueing CPU work without end. Each caller
/// (an
/// address signing in, a user changing a password) may have at most `perCaller` hashes running
/// or waiting, so one caller cannot fill the queue and shut everyone else out of signing in.
public actor HashingGate {
    let concurrent: Int
    let maxWaiting: Int
    let perCaller: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private var byCaller: [String: Int] = [:]

    /// Default: half the cores (at least one) hashing, 32 waiting, 2 per caller.
    public init(
        concurrent: Int = max(1, ProcessInfo.processInfo.activeProcessorCount / 2), maxWaiting: Int = 32,
        perCaller: Int = 2
    ) {
        self.concurrent = max(1, concurrent)
        self.maxWaiting = max(0, maxWaiting)
        self.perCaller = max(1, perCaller)
    }

    /// Callers waiting for a slot now.
    var waitingCount: Int { waiting.count }

    /// `caller`: who asks (`address:…`, `user:…`); nil counts against the shared limits only.
    public func run<T: Sendable>(for caller: String? = nil, _ work: @Sendable () async throws -> T) async throws -> T {
        if let caller {
            guard byCaller[caller, default: 0] < perCaller else {
                throw AccountError.callerBusy
            }
            byCaller[caller, default: 0] += 1
        }
        defer {
            if let caller {
                byCaller[caller, default: 1] -= 1
                if byCaller[caller] == 0 { byCaller[caller] = nil }
            }
        }
        if running >= concurrent {
            guard waiting.count < maxWaiting else {
                throw AccountError.busy
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
