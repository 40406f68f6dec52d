import ClipGenCore
import Persistence
import Synchronization

extension MemoryJobStore {
    public func workerSeen(_ id: String, capabilities: [Capability], region: String?) async throws {
        let now = self.now
        state.withLock { state in
            let registeredAt = state.workers[id]?.registeredAt ?? now
            state.workers[id] = WorkerPresence(
                id: id, capabilities: capabilities, region: region, registeredAt: registeredAt, seenAt: now)
        }
    }

    public func workerGone(_ id: String) async throws {
        _ = state.withLock { $0.workers.removeValue(forKey: id) }
    }

    public func liveWorkers(seenWithin seconds: Double) async throws -> [WorkerPresence] {
        let since = now - seconds
        return state.withLock { state in
            state.workers.values.filter { $0.seenAt >= since }.sorted {
                ($0.registeredAt, $0.id) < ($1.registeredAt, $1.id)
            }
        }
    }
}
