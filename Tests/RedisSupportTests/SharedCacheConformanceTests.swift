import ClipGenCore
import RedisSupport
import Testing
import TestSupport

/// One suite for every `SharedCache`.
struct CacheBackend: Sendable, CustomTestStringConvertible {
    var name: String
    var make: @Sendable () throws -> any SharedCache
    var testDescription: String { name }

    static let all: [CacheBackend] = [CacheBackend(name: "local") { LocalSharedCache() }]
        + (TestServers.redisURL == nil ? [] : [CacheBackend(name: "Redis") { RedisSharedCache(client: RedisClient(configuration: try redisConfiguration())) }])
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
        // Seconds, not milliseconds: the first lookup must come before the end even on a busy machine.
        await cache.store(key, value: "brief", ifVersion: await cache.lookup(key).version, lifetime: .seconds(3))
        #expect(await cache.lookup(key).value == "brief")
        try await Task.sleep(for: .seconds(3.5))
        #expect(await cache.lookup(key).value == nil)
    }

    @Test func redisDownIsAMissAndStoresNothing() async throws {
        let cache = RedisSharedCache(client: RedisClient(configuration: RedisConfiguration(host: "127.0.0.1", port: 9)))
        let lookup = await cache.lookup("k")
        #expect(lookup == SharedCacheLookup(value: nil, version: ""))
        await cache.store("k", value: "v", ifVersion: lookup.version, lifetime: .seconds(1))
        await cache.invalidate("k")
    }
}
