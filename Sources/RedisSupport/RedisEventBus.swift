import ClipGenCore
import Coordination
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// `EventBus` across processes over Redis pub/sub: `publish` sends each event to one channel, and
/// every process running this bus (each API replica) receives them all on its own subscriber
/// connection and fans them out to its local subscribers. Run as a `Service`: it keeps that
/// subscription up, reconnecting and subscribing again after Redis restarts.
///
/// Publishing waits out a Redis outage (the relay stops claiming meanwhile, so undelivered
/// events wait in the database), and after one it waits, briefly, for the replicas that were
/// listening before to subscribe again: pub/sub keeps nothing for a subscriber that is away.
public final class RedisEventBus: EventBus, Service, Sendable {
    public let client: RedisClient
    public let channel: String
    private let local = LocalEventBus()
    private let logger: Logger
    /// How long a publish after an outage waits for the earlier listeners to be back.
    private let listenerWait: Duration
    private let state = Mutex(State())
    /// Told each time the subscription comes up.
    private let subscribedSignal = Notifier()

    private struct State {
        var subscribed = false
        /// How many processes received the last successful publish.
        var listeners: Int64 = 0
        var hadFailure = false
    }

    /// `listenerWait` bounds how long a publish after an outage holds on for replicas that were
    /// listening before (one that is gone for good must not stall events for long); a test on a
    /// loaded machine, where resubscribing can take longer, gives it more.
    public init(
        client: RedisClient, channel: String = "clipgen:events", listenerWait: Duration = .seconds(5),
        logger: Logger = Logger(label: "clipgen.redis.events")
    ) {
        self.client = client
        self.channel = channel
        self.listenerWait = listenerWait
        self.logger = logger
    }

    /// Whether this process's subscription is up, so events reach its subscribers.
    public var isSubscribed: Bool { state.withLock { $0.subscribed } }

    /// Returns once the subscription is up (at once when it is), or when the task is cancelled.
    public func waitUntilSubscribed() async {
        // The flag is looked at again after every wake or second: a signal between the look and
        // the wait would otherwise be missed.
        while !isSubscribed, !Task.isCancelled { await subscribedSignal.wait(timeout: .seconds(1)) }
    }

    public func subscribe(
        bufferLimit: Int, filter: @escaping @Sendable (JobEvent) -> Bool
    ) async -> AsyncStream<JobEvent> {
        await local.subscribe(bufferLimit: bufferLimit, filter: filter)
    }

    public func publish(_ events: [JobEvent]) async {
        guard !events.isEmpty else { return }
        let encoder = JSONEncoder()
        var delay = Duration.milliseconds(100)
        var index = 0
        while index < events.count, !Task.isCancelled {
            do {
                if state.withLock({ $0.hadFailure }) { await waitForListeners() }
                let payload = String(decoding: try encoder.encode(events[index]), as: UTF8.self)
                let received = try await client.send(["PUBLISH", channel, payload]).integer ?? 0
                state.withLock {
                    $0.listeners = received
                    $0.hadFailure = false
                }
                index += 1
                delay = .milliseconds(100)
            } catch {
                let first = state.withLock { state in
                    defer { state.hadFailure = true }
                    return !state.hadFailure
                }
                if first { logger.warning("job events wait for Redis", metadata: ["error": "\(error)"]) }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(1))
            }
        }
        if index < events.count {
            logger.error(
                "job events were not published before shutdown", metadata: ["events.lost": "\(events.count - index)"])
        }
    }

    /// Up to `listenerWait` for as many subscribers as received the last publish before the outage.
    private func waitForListeners() async {
        let expected = state.withLock { $0.listeners }
        let deadline = ContinuousClock.now + listenerWait
        while expected > 0, ContinuousClock.now < deadline, !Task.isCancelled {
            if case .array(let reply?)? = try? await client.send(["PUBSUB", "NUMSUB", channel]), reply.count == 2,
                let count = reply[1].integer, count >= expected
            {
                return
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Keeps this process subscribed until graceful shutdown, then ends every local subscription.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var delay = Duration.milliseconds(100)
            while !Task.isCancelled {
                do {
                    try await self.listenOnce()
                    delay = .milliseconds(100)
                } catch {
                    if !Task.isCancelled {
                        self.logger.warning("the Redis event subscription dropped", metadata: ["error": "\(error)"])
                    }
                }
                self.state.withLock { $0.subscribed = false }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(2))
            }
        }
        local.finishAll()
    }

    /// One subscriber connection, from SUBSCRIBE until it closes.
    private func listenOnce() async throws {
        let (messages, continuation) = AsyncStream.makeStream(of: RESPValue.self)
        let connection = try await RedisConnection.connect(to: client.configuration) { continuation.yield($0) }
        connection.closed.whenComplete { _ in continuation.finish() }
        try await withTaskCancellationHandler {
            try await connection.send(["SUBSCRIBE", channel])
            state.withLock { $0.subscribed = true }
            subscribedSignal.notifyAll()
            logger.info("subscribed to job events on Redis")
            let decoder = JSONDecoder()
            for await message in messages {
                guard case .array(let parts?) = message, parts.count == 3, case .bulkString(let payload?) = parts[2]
                else { continue }
                do {
                    let event = try decoder.decode(JobEvent.self, from: Data(payload.readableBytesView))
                    await local.publish([event])
                } catch {
                    logger.error("a job event from Redis could not be read", metadata: ["error": "\(error)"])
                }
            }
        } onCancel: {
            connection.close()
        }
    }
}
