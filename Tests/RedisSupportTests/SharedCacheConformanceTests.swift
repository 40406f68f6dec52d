import ClipGenCore
import Coordination
import RedisSupport
import TestSupport
import Testing

/// One suite for every `SharedCache`.
struct CacheBackend: Sendable, CustomTestStringConvertible {
    var name: String
    var make: @Sendable () throws -> any SharedCache
    var testDescription: String { name }

    static let all: [CacheBackend] =
        [CacheBackend(name: "local") { LocalSharedCache() }]
        + (TestServers.redisURL == nil
            ? []
            : [
                CacheBackend(name: "Redis") {
                    RedisSharedCache(client: RedisClient(configuration: try redisConfiguration()))
                }
            ])
}

@Suite struct SharedCacheConformanceTests {
    @Test(arguments: CacheBackend.all)
    func aValueIsStoredUnderTheVersionItWasLookedUpWith(backend: CacheBackend) async throws {
        let cache = try backend.make()
        let key = TestServers.uniqueName()
        let miss = await cache.lookup(key)
        #expect(miss.value == nil && !miss.version.isEmpty)
        await cache.store(key, value: #"{"status":"queued"}"#, ifVersion: miss.version, lifetime: .seconds(30))
        #expect(await cache.lookup(key).value == #"{"status":"queued"}"#)
        await cache.invalidate(key)
        let after = await cache.lookup(key)
        #expect(after.value == nil && after.version != miss.version)
    }

    @Test(arguments: CacheBackend.all)
    func aReadFromBeforeAnInvalidationIsNeverStored(backend: CacheBackend) async throws {
        let cache = try backend.make()
        let key = TestServers.uniqueName()
        // A reader looks up, reads the database; meanwhile a write invalidates; the reader's store must lose.
        let reader = await cache.lookup(key)
        await cache.invalidate(key)
        await cache.store(key, value: "stale", ifVersion: reader.version, lifetime: .seconds(30))
        #expect(await cache.lookup(key).value == nil)
        let fresh = await cache.lookup(key)
        await cache.store(key, value: "fresh", ifVersion: fresh.version, lifetime: .seconds(30))
        #expect(await cache.lookup(key).value == "fresh")
    }

    @Test(arguments: CacheBackend.all)
    func valuesExpire(backend: CacheBackend) async throws {
        let cache = try backend.make()
        let key = TestServers.uniqueName()
        // A value is there within its lifetime (a minute: however busy the machine, the lookup comes
        // first) and gone after it (a second, waited out: a delay only makes that more certain).
        await cache.store(key, value: "kept", ifVersion: await cache.lookup(key).version, lifetime: .seconds(60))
        #expect(await cache.lookup(key).value == "kept")
        await cache.store(
            key + "-brief", value: "brief", ifVersion: await cache.lookup(key + "-brief").version, lifetime: .seconds(1)
        )
        try await Task.sleep(for: .seconds(1.5))
        #expect(await cache.lookup(key + "-brief").value == nil)
        #expect(await cache.lookup(key).value == "kept", "each value has its own lifetime")
    }

    @Test func redisDownIsAMissAndStoresNothing() async throws {
        let cache = RedisSharedCache(client: RedisClient(configuration: RedisConfiguration(host: "127.0.0.1", port: 9)))
        let lookup = await cache.lookup("k")
        #expect(lookup == SharedCacheLookup(value: nil, version: ""))
        await cache.store("k", value: "v", ifVersion: lookup.version, lifetime: .seconds(1))
        await cache.invalidate("k")
    }
}
