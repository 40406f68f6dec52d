import ClipGenCore

/// Which workers are alive and what they can do: each worker process registers at start,
/// renews its entry every heartbeat, and removes it when it stops. A CPU worker reads it to know
/// whether GPU-preferring work has anyone better to wait for (`TaskQueue.claimTask`'s fallback).
public protocol WorkerRegistry: Sendable {
    /// Registers the worker or renews its entry, as seen now; `region` is where it runs (nil: no
    /// regions configured).
    func workerSeen(_ id: String, capabilities: [Capability], region: String?) async throws
    /// Removes the worker's entry (it is stopping).
    func workerGone(_ id: String) async throws
    /// Workers seen within the last `seconds`, oldest registration first.
    func liveWorkers(seenWithin seconds: Double) async throws -> [WorkerPresence]
}

/// One worker process as the registry knows it.
public struct WorkerPresence: Sendable, Equatable {
    public var id: String
    public var capabilities: [Capability]
    public var region: String?
    public var registeredAt: Double
    public var seenAt: Double

    public init(id: String, capabilities: [Capability], region: String? = nil, registeredAt: Double, seenAt: Double) {
        self.id = id
        self.capabilities = capabilities
        self.region = region
        self.registeredAt = registeredAt
        self.seenAt = seenAt
    }
}

extension WorkerRegistry {
    /// A worker of no region.
    public func workerSeen(_ id: String, capabilities: [Capability]) async throws {
        try await workerSeen(id, capabilities: capabilities, region: nil)
    }
}

extension WorkerPresence {
    /// Capabilities as SQL stores keep them: `cpu,gpu`.
    public static func encode(_ capabilities: [Capability]) -> String {
        capabilities.map(\.rawValue).joined(separator: ",")
    }

    /// Names this version does not know are left out.
    public static func decode(_ text: String) -> [Capability] {
        text.split(separator: ",").compactMap { Capability(rawValue: String($0)) }
    }
}
