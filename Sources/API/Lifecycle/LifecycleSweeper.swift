import ClipGenCore
import Foundation
import Logging
import Persistence
import ServiceLifecycle

/// Deletes audit entries older than the retention period, in batches, every `interval`: the
/// log keeps what an investigation needs, not every refusal since the service began.
struct AuditRetention<Store: AuditLog>: Service {
    let store: Store
    let keep: Duration
    let interval: Duration
    let clock: WallClock
    let logger: Logger

    /// One pass: batches until nothing older is left. Answers how many entries went.
    @discardableResult
    func prune() async throws -> Int {
        let cutoff = clock.now().addingTimeInterval(-Double(keep.components.seconds))
        var removed = 0
        while true {
            let batch = try await store.pruneAudit(before: cutoff, limit: 10_000)
            removed += batch
            if batch < 10_000 { break }
        }
        if removed > 0 { logger.info("old audit entries removed", metadata: ["audit.removed": "\(removed)"]) }
        return removed
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            // The store is still being prepared when services start: the first pass comes an interval in.
            while (try? await Task.sleep(for: interval)) != nil {
                do {
                    try await prune()
                } catch {
                    logger.warning(
                        "old audit entries could not be removed; trying again later", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
