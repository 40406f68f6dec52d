import ClipGenCore
import Coordination
import Foundation
import Logging
import Persistence
import ServiceLifecycle

/// Moves job events from the store's outbox to the bus: claimed in order, published, and
/// forgotten an hour after delivery. Runs in the process whose subscribers need them (the API);
/// the outbox hands each event to one relay only.
public struct EventRelay<Outbox: EventOutbox, Bus: EventBus>: Service {
    public let outbox: Outbox
    public let bus: Bus
    public let logger: Logger
    /// How often the outbox is read when it was empty; events written by other processes wait at
    /// most this long.
    public var interval: Duration
    public var batch: Int
    /// What "an hour after delivery" is measured on.
    public var clock: WallClock

    public init(
        outbox: Outbox, bus: Bus, logger: Logger, interval: Duration = .milliseconds(100), batch: Int = 500,
        clock: WallClock = .system
    ) {
        self.outbox = outbox
        self.bus = bus
        self.logger = logger
        self.interval = interval
        self.batch = batch
        self.clock = clock
    }

    /// Publishes one batch from the outbox, and forgets the events delivered more than an hour
    /// ago when `prune`; answers how many were published.
    @discardableResult
    public func relayOnce(prune: Bool) async throws -> Int {
        let events = try await outbox.claimEvents(limit: batch)
        if !events.isEmpty { await bus.publish(events) }
        if prune { try await outbox.pruneEvents(deliveredBefore: clock.now().addingTimeInterval(-3600)) }
        return events.count
    }

    public func run() async throws {
        // Graceful shutdown stops the claiming between batches: a batch claimed is published, not
        // cancelled between its claim and its publication (the outbox would count it delivered).
        // Whatever is still in the outbox stays there for the next run.
        let interval = interval
        var lastPrune = clock.now()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let prune = clock.now().timeIntervalSince(lastPrune) > 60
                if prune { lastPrune = clock.now() }
                if try await relayOnce(prune: prune) == batch { continue }
            } catch {
                logger.error("relaying job events failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
