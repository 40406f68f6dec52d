import ClipGenCore
import Coordination
import ServiceLifecycle

/// Invalidates a job's cached status on every event of that job, so workers' changes (made in
/// other processes) reach the cache as their events arrive. A subscriber that falls behind
/// loses events, not memory; the cache's short lifetimes for running jobs cover that.
struct JobCacheInvalidation: Service {
    let events: any EventBus
    let cache: JobStatusCache

    func run() async throws {
        let subscription = await events.subscribe(bufferLimit: 4096) { _ in true }
        await cancelWhenGracefulShutdown {
            for await event in subscription { await cache.invalidate(event.jobId) }
        }
    }
}
