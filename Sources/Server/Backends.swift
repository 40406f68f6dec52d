import API
import Accounts
import BlobStorage
import BlobStorageS3
import ClipGenCore
import Coordination
import Foundation
import Hummingbird
import Logging
import Persistence
import PersistencePostgres
import PersistenceSQLite
import RedisSupport
import ServiceLifecycle

/// The storage a configuration names. Embedded defaults: SQLite in the data directory (or at the
/// path `CLIPGEN_DATABASE_URL=sqlite:PATH` gives) and blobs under the data directory; with
/// `CLIPGEN_DATABASE_URL=postgres://…`, PostgreSQL; with `CLIPGEN_S3_ENDPOINT`, blobs in S3.
struct Backends {
    var store: any JobStoreBackend
    var blobs: any BlobStoreBackend
    /// The work signal across processes with PostgreSQL (LISTEN/NOTIFY; with SQLite other
    /// processes' workers poll); events, the shared cache, counters and rate-limit buckets across
    /// replicas through Redis when it is configured.
    var shared: SharedBackends
    var services: [any Service] = []
    /// What only an API process runs: the Redis connection and the event subscription.
    var apiServices: [any Service] = []
    /// What `/readyz` reports, by name.
    var dependencies: [Dependency] = []

    init(configuration: ClipGenConfiguration, clock: WallClock, logger: Logger) throws {
        shared = .local(clock: clock)
        var kinds = (database: "sqlite", blobs: "local")
        switch try DatabaseLocation(configuration) {
        case .sqlite(let path): store = SQLiteJobStore(path: path, clock: clock)
        case .postgres(let url):
            let postgres = PostgresJobStore(
                servers: try PostgresServers(url: url),
                reads: try configuration.databaseReadURL.map { try PostgresServers(url: $0) }, clock: clock,
                logger: logger)
            let listener = PostgresWorkSignal(store: postgres)
            store = postgres
            shared.signal = listener
            services = [listener]
            kinds.database = "postgresql"
        }
        blobs = Self.unsealedBlobs(configuration, logger: logger)
        if configuration.s3 != nil { kinds.blobs = "s3" }
        if let ring = configuration.encryption {
            blobs = sealed(blobs, ring: ring)
            kinds.blobs += ", encrypted"
        }
        let (store, blobs) = (self.store, self.blobs)
        dependencies = [
            Dependency(name: "database", kind: kinds.database, essential: true) { await store.isReachable() },
            Dependency(name: "blobStore", kind: kinds.blobs, essential: true) { await blobs.isReachable() },
        ]
        if let redis = configuration.redis {
            let client = RedisClient(configuration: redis, logger: logger)
            let bus = RedisEventBus(client: client, logger: logger)
            shared.events = bus
            shared.cache = RedisSharedCache(client: client)
            shared.counters = RedisCounters(client: client)
            shared.buckets = RedisTokenBuckets(client: client)
            apiServices = [client, bus]
            dependencies.append(Dependency(name: "eventBus", kind: "redis", essential: false) { bus.isSubscribed })
            dependencies.append(
                Dependency(name: "cache", kind: "redis", essential: false) { await client.isReachable() })
        } else {
            dependencies.append(Dependency(name: "eventBus", kind: "in-process", essential: false) { true })
            dependencies.append(Dependency(name: "cache", kind: "in-process", essential: false) { true })
        }
    }
}

extension Backends {
    /// The blob store as it stores bytes, sealed or not: what backups copy and restores write.
    static func unsealedBlobs(_ configuration: ClipGenConfiguration, logger: Logger) -> any BlobStoreBackend {
        if let s3 = configuration.s3 { return S3BlobStore(configuration: s3, logger: logger) }
        return LocalBlobStore(root: configuration.dataDirectory + "/blobs")
    }
}

/// The blob store with every blob sealed (opens the existential for the generic wrapper).
private func sealed<Base: BlobStoreBackend>(_ base: Base, ring: EncryptionKeyRing) -> any BlobStoreBackend {
    EncryptedBlobStore(base: base, ring: ring)
}

/// `clipgen admin rotate-keys`: every blob sealed with the active key (old ones, and those
/// stored before encryption was on), one at a time while the service runs. Returns how many were
/// rewritten and how many were already current.
public func rotateEncryptionKeys(
    configuration: ClipGenConfiguration, logger: Logger,
    onProgress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }
) async throws -> (rewritten: Int, current: Int) {
    guard configuration.encryption != nil else {
        throw ConfigurationProblem.invalid(
            key: "CLIPGEN_ENCRYPTION_KEYS", reason: "encryption is off; set the keys to seal blobs with")
    }
    let backends = try Backends(configuration: configuration, clock: .system, logger: logger)
    return try await rotate(backends.blobs, onProgress: onProgress)
}

private func rotate<Blobs: BlobStoreBackend>(_ blobs: Blobs, onProgress: @escaping @Sendable (Int, Int) -> Void)
    async throws -> (rewritten: Int, current: Int)
{
    // `Backends` sealed it already; the ring's store is what rewrites.
    guard let store = blobs as? any EncryptedStoreRotation else { return (0, 0) }
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await blobs.run() }
        defer { group.cancelAll() }
        try await blobs.prepare()
        var rewritten = 0
        var current = 0
        for key in try await blobs.keys(startingWith: "") {
            if try await store.reencrypt(key) { rewritten += 1 } else { current += 1 }
            onProgress(rewritten, current)
        }
        return (rewritten, current)
    }
}

/// Where the database is, read from `databaseURL`.
enum DatabaseLocation: Equatable {
    case sqlite(path: String)
    case postgres(url: String)

    init(_ configuration: ClipGenConfiguration) throws {
        guard let url = configuration.databaseURL else {
            self = .sqlite(path: configuration.dataDirectory + "/clipgen.sqlite")
            return
        }
        let scheme = url.prefix { $0 != ":" }.lowercased()
        if scheme == "postgres" || scheme == "postgresql" {
            do {
                _ = try PostgresServers(url: url)
            } catch {
                throw ConfigurationProblem.invalid(
                    key: ConfigurationKey.environmentName("databaseUrl"), reason: "\(error)")
            }
            self = .postgres(url: url)
            return
        }
        // `sqlite:relative/path`, `sqlite:/absolute/path` and `sqlite:///absolute/path` all name a file.
        guard url.lowercased().hasPrefix("sqlite:") else {
            throw ConfigurationProblem.invalid(
                key: ConfigurationKey.environmentName("databaseUrl"),
                reason:
                    """
                    '\(scheme)' is not a database ClipGen supports; use sqlite:PATH or \
                    postgres://user:password@host:port/database
                    """
            )
        }
        var path = String(url.dropFirst("sqlite:".count))
        if path.hasPrefix("//") { path.removeFirst(2) }
        guard !path.isEmpty, !path.hasSuffix("/") else {
            throw ConfigurationProblem.invalid(
                key: ConfigurationKey.environmentName("databaseUrl"), reason: "sqlite: needs the database file's path")
        }
        self = .sqlite(path: path)
    }
}

/// `clipgen serve`: the HTTP API with the event relay and, unless `workers.inProcess` is off,
/// workers, on the backends the configuration names.
public func buildApplication(
    configuration: ClipGenConfiguration, metrics: ProcessMetrics, logger: Logger, clock: WallClock = .system,
    onPrepared: @escaping @Sendable (AdminBootstrap.Result?) -> Void = { _ in }
) async throws -> any ApplicationProtocol {
    let backends = try Backends(configuration: configuration, clock: clock, logger: logger)
    return try await application(
        store: backends.store, blobs: backends.blobs, backends: backends, configuration: configuration,
        metrics: metrics,
        logger: logger, clock: clock, onPrepared: onPrepared)
}

/// `clipgen worker`: workers (and their `/metrics` listener) on the backends the configuration names.
public func buildWorkerServices(
    configuration: ClipGenConfiguration, metrics: ProcessMetrics, logger: Logger,
    clock: WallClock = .system
) async throws -> [any Service] {
    let backends = try Backends(configuration: configuration, clock: clock, logger: logger)
    return try await workerServices(
        store: backends.store, blobs: backends.blobs, backends: backends, configuration: configuration,
        metrics: metrics, logger: logger, clock: clock)
}

// Generic over the backends, so each combination is compiled once and the hot paths see concrete types.
private func application<Store: JobStoreBackend, Blobs: BlobStoreBackend>(
    store: Store, blobs: Blobs, backends: Backends, configuration: ClipGenConfiguration, metrics: ProcessMetrics,
    logger: Logger,
    clock: WallClock, onPrepared: @escaping @Sendable (AdminBootstrap.Result?) -> Void
) async throws -> any ApplicationProtocol {
    try await ClipGenServer(
        configuration: configuration, store: store, blobs: blobs, shared: backends.shared,
        backendServices: backends.services + backends.apiServices, dependencies: backends.dependencies,
        metrics: metrics, clock: clock
    )
    .application(logger: logger, onPrepared: onPrepared)
}

private func workerServices<Store: JobStoreBackend, Blobs: BlobStoreBackend>(
    store: Store, blobs: Blobs, backends: Backends, configuration: ClipGenConfiguration, metrics: ProcessMetrics,
    logger: Logger,
    clock: WallClock
) async throws -> [any Service] {
    try await ClipGenServer(
        configuration: configuration, store: store, blobs: blobs, shared: backends.shared,
        backendServices: backends.services, metrics: metrics, clock: clock
    ).workerServices(logger: logger)
}

/// ClipGen on its embedded backends: SQLite and a local directory.
public typealias EmbeddedServer = ClipGenServer<SQLiteJobStore, LocalBlobStore>

extension ClipGenServer where Store == SQLiteJobStore, Blobs == LocalBlobStore {
    /// On the embedded backends of `configuration` (its `databaseURL`, if set, must name SQLite).
    public init(
        configuration: ClipGenConfiguration, metrics: ProcessMetrics = ProcessMetrics(), clock: WallClock = .system
    ) {
        let path =
            if case .sqlite(let path)? = try? DatabaseLocation(configuration) { path } else {
                configuration.dataDirectory + "/clipgen.sqlite"
            }
        self.init(
            configuration: configuration, store: SQLiteJobStore(path: path, clock: clock),
            blobs: LocalBlobStore(root: configuration.dataDirectory + "/blobs"), metrics: metrics, clock: clock)
    }
}

/// `clipgen admin org create`: an organisation and its first admin, written to the database the
/// configuration names (the one `serve` uses), which is prepared first if it is new.
public func createOrganization(
    configuration: ClipGenConfiguration, name: String, adminEmail: String, adminPassword: String?,
    logger: Logger
) async throws -> OrganizationProvisioning.Result {
    let backends = try Backends(configuration: configuration, clock: .system, logger: logger)
    try EmbeddedServer.makeDataDirectory(configuration.dataDirectory)
    return try await provision(
        store: backends.store, configuration: configuration, name: name, adminEmail: adminEmail,
        adminPassword: adminPassword)
}

private func provision<Store: JobStoreBackend>(
    store: Store, configuration: ClipGenConfiguration, name: String, adminEmail: String,
    adminPassword: String?
) async throws -> OrganizationProvisioning.Result {
    try await withThrowingTaskGroup(of: Void.self) { group in
        // A PostgreSQL client answers queries only while it runs.
        group.addTask { try await store.run() }
        defer { group.cancelAll() }
        try await store.prepare()
        return try await OrganizationProvisioning.create(
            name: name, adminEmail: adminEmail, adminPassword: adminPassword,
            homeRegion: configuration.api.region.name, store: store, bcryptCost: configuration.api.auth.bcryptCost)
    }
}

/// `clipgen admin promote`: a standby of the configured PostgreSQL servers made the primary.
public func promoteStandby(configuration: ClipGenConfiguration, logger: Logger) async throws -> String {
    guard case .postgres(let url) = try DatabaseLocation(configuration),
        let servers = try? PostgresServers(url: url), servers.addresses.count > 1
    else {
        throw ConfigurationProblem.invalid(
            key: ConfigurationKey.environmentName("databaseUrl"),
            reason: "promoting needs a postgres:// URL listing the primary and its standbys")
    }
    do {
        return "\(try await PostgresPromotion.promote(servers, logger: logger))"
    } catch let failure as PostgresPromotion.Failure {
        throw PromotionFailure(description: failure.description)
    }
}

/// Why `clipgen admin promote` promoted nothing, for the operator.
public struct PromotionFailure: Error, CustomStringConvertible {
    public var description: String
}

/// `clipgen admin audit`: audit entries, newest first, from the database the configuration names:
/// the service-wide ones (tied to no organisation) or one organisation's.
public func auditEntries(
    configuration: ClipGenConfiguration, organizationId: OrganizationID?, limit: Int,
    logger: Logger
) async throws -> [AuditEvent] {
    let backends = try Backends(configuration: configuration, clock: .system, logger: logger)
    return try await readAudit(store: backends.store, organizationId: organizationId, limit: limit)
}

private func readAudit<Store: JobStoreBackend>(store: Store, organizationId: OrganizationID?, limit: Int) async throws
    -> [AuditEvent]
{
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await store.run() }
        defer { group.cancelAll() }
        try await store.prepare()
        return try await store.auditEvents(
            organizationId: organizationId, filter: AuditFilter(), page: PageRequest(limit: limit)
        ).items
    }
}
