import ClipGenCore
import Synchronization

/// `EventBus` within one process: each subscriber has its own bounded buffer.
public final class LocalEventBus: EventBus {
    private struct Subscriber {
        var filter: @Sendable (JobEvent) -> Bool
        var continuation: AsyncStream<JobEvent>.Continuation
    }
    private let subscribers = Mutex<[Int: Subscriber]>([:])
    private let nextID = Atomic<Int>(0)

    public init() {}

    public func publish(_ events: [JobEvent]) async {
        let current = subscribers.withLock { Array($0.values) }
        for event in events {
            for subscriber in current where subscriber.filter(event) { subscriber.continuation.yield(event) }
        }
    }

    public func subscribe(
        bufferLimit: Int, filter: @escaping @Sendable (JobEvent) -> Bool
    ) async -> AsyncStream<JobEvent> {
        let id = nextID.add(1, ordering: .relaxed).newValue
        let (stream, continuation) = AsyncStream.makeStream(
            of: JobEvent.self, bufferingPolicy: .bufferingNewest(max(1, bufferLimit)))
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        subscribers.withLock { $0[id] = Subscriber(filter: filter, continuation: continuation) }
        return stream
    }

    /// How many subscriptions are open (for tests and metrics).
    public var subscriberCount: Int { subscribers.withLock { $0.count } }

    /// Ends every subscription.
    public func finishAll() {
        let current = subscribers.withLock { state in
            defer { state.removeAll() }
            return Array(state.values)
        }
        for subscriber in current { subscriber.continuation.finish() }
    }
}
