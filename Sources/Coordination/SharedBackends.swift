import ClipGenCore

/// The seams a process shares with the other processes of a deployment, in one value: each is
/// in-process by default, and Redis or PostgreSQL backed when configured (Server's `Backends`
/// chooses). The API, the workers and the composition take this value, not its parts one by one.
public struct SharedBackends: Sendable {
    /// Wakes idle workers when a task is queued.
    public var signal: any WorkSignal
    /// Job events relayed from the outbox; nil where nothing relays them (an API run on its own),
    /// and event sockets are then refused.
    public var events: (any EventBus)?
    /// The level of caches that replicas share; nil: each process caches in memory only.
    public var cache: (any SharedCache)?
    /// Sign-in failures and other counts every replica adds to.
    public var counters: any SharedCounters
    /// Rate limits take from these.
    public var buckets: any TokenBuckets

    public init(
        signal: any WorkSignal = LocalWorkSignal(), events: (any EventBus)? = nil, cache: (any SharedCache)? = nil,
        counters: any SharedCounters = LocalCounters(), buckets: any TokenBuckets = LocalTokenBuckets()
    ) {
        self.signal = signal
        self.events = events
        self.cache = cache
        self.counters = counters
        self.buckets = buckets
    }

    /// All in this process, on `clock`, with a local event bus.
    public static func local(clock: WallClock) -> SharedBackends {
        SharedBackends(
            events: LocalEventBus(), counters: LocalCounters(clock: clock), buckets: LocalTokenBuckets(clock: clock))
    }
}
