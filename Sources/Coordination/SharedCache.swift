/// A cache of text (JSON) that every API replica shares (Redis), under the in-process one. Best effort: a
/// failure is a miss, never an error. Each key has a version that `invalidate` moves on, and
/// `store` writes only if the version is still the one its `lookup` saw, so a value read from
/// the database before a write cannot land in the cache after that write's invalidation.
public protocol SharedCache: Sendable {
    func lookup(_ key: String) async -> SharedCacheLookup
    func store(_ key: String, value: String, ifVersion version: String, lifetime: Duration) async
    func invalidate(_ key: String) async
}

public struct SharedCacheLookup: Sendable, Equatable {
    public var value: String?
    /// What a following `store` must name; empty when the cache could not be asked (no store then).
    public var version: String

    public init(value: String?, version: String) {
        self.value = value
        self.version = version
    }
}
