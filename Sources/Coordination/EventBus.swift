import ClipGenCore

/// Delivers job events to whoever listens: WebSocket connections, webhook senders, tests. In one
/// process `LocalEventBus`; across replicas a pub/sub backend (Redis) conforms the same way.
public protocol EventBus: Sendable {
    associatedtype Subscription: AsyncSequence<JobEvent, Never> & Sendable

    func publish(_ events: [JobEvent]) async
    /// Events accepted by `filter`, in the order they were published, from now on. The sequence
    /// ends when the subscriber stops iterating or the bus shuts down. A subscriber that falls
    /// `bufferLimit` events behind loses the oldest, never the bus's memory.
    func subscribe(bufferLimit: Int, filter: @escaping @Sendable (JobEvent) -> Bool) async -> Subscription
}

extension EventBus {
    public func subscribe(filter: @escaping @Sendable (JobEvent) -> Bool = { _ in true }) async -> Subscription {
        await subscribe(bufferLimit: 1024, filter: filter)
    }
}
