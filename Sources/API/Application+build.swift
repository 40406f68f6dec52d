import Accounts
import BlobStorage
import ClipGenCore
import Coordination
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdHTTP2
import HummingbirdWebSocket
import Logging
import NIOCore
import Outbound
import Persistence
import ServiceLifecycle
import WebApp

/// What the API keeps: accounts, jobs, the queue, webhooks, the audit log and quotas, the reports
/// over them, and where each organisation lives.
public typealias APIStore = AccountStore & JobRepository & TaskQueue & WebhookOutbox & AuditLog & QuotaLedger
    & DataLifecycle & ReportQueries & WorkerRegistry & BatchRepository & Residency & ReplicationStatus

/// Everything the HTTP side needs, created once by the caller.
public struct APIDependencies<Store: APIStore, Blobs: BlobStore>: Sendable {
    public var store: Store
    public var blobs: Blobs
    public var tokens: TokenService
    public var workflow: JobWorkflow
    public var clock: WallClock
    public var metrics: MetricsEndpoint
    /// What `/readyz` reports; empty: the store and the blob store.
    public var dependencies: [Dependency]
    /// The work signal (woken when a job is submitted, so idle in-process workers claim it at
    /// once), the job events (which also invalidate cached job statuses), the shared cache level,
    /// counters and rate-limit buckets: Redis across replicas when configured.
    public let shared: SharedBackends
    /// `GET /v1/jobs/{id}` answers, in memory and in the shared cache when there is one.
    let jobCache: JobStatusCache
    public var loginPolicy: LoginGuard.Policy
    /// What `source.url` imports may reach (the workers fetch under the same).
    public var networkPolicy: NetworkPolicy
    /// Notified when a password changes, a user is disabled or a key revoked: open event sockets
    /// check their caller again at once (and every `webSocketRecheckSeconds` in any case, which
    /// is how another replica's revocations reach them).
    public var revocations = Notifier()
    public init(
        store: Store, blobs: Blobs, tokens: TokenService, shared: SharedBackends = SharedBackends(),
        workflow: JobWorkflow = JobWorkflow(),
        clock: WallClock = .system, metrics: MetricsEndpoint = .disabled, dependencies: [Dependency] = [],
        loginPolicy: LoginGuard.Policy = LoginGuard.Policy(), networkPolicy: NetworkPolicy = NetworkPolicy()
    ) {
        self.store = store
        self.blobs = blobs
        self.tokens = tokens
        self.shared = shared
        self.jobCache = JobStatusCache(shared: shared.cache)
        self.workflow = workflow
        self.clock = clock
        self.metrics = metrics
        self.dependencies = dependencies
        self.loginPolicy = loginPolicy
        self.networkPolicy = networkPolicy
    }
}

/// The router with every route and middleware; binds nothing, so tests drive it directly.
public func buildRouter<Store: APIStore, Blobs: BlobStore>(
    configuration: APIConfiguration, dependencies: APIDependencies<Store, Blobs>
) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: RequestIdMiddleware())
    if let region = configuration.region.name { router.add(middleware: RegionHeaderMiddleware(region: region)) }
    router.add(middleware: RequestLogMiddleware(trustedProxies: configuration.http.trustedProxies))
    router.add(middleware: RequestMetricsMiddleware(metrics: dependencies.metrics.api))
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: CompressionMiddleware())
    router.add(middleware: CORSAllowListMiddleware(origins: configuration.http.corsOrigins))
    router.add(
        middleware: AnonymousShareMiddleware(
            requests: AnonymousRequests(capacity: configuration.http.anonymousCapacity)))
    // Outside the problem middleware: it sees the status the client gets.
    router.add(
        middleware: AuditMiddleware(
            store: dependencies.store, trustedProxies: configuration.http.trustedProxies, clock: dependencies.clock,
            metrics: dependencies.metrics.api, counters: dependencies.shared.counters))
    router.add(middleware: ProblemMiddleware())
    router.add(middleware: RateLimitMiddleware.perAddress(configuration, dependencies))
    let (store, blobs, clock) = (dependencies.store, dependencies.blobs, dependencies.clock)
    router.get("openapi.json") { _, _ in
        Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.json)))
    }
    HealthRoutes(
        store: store, blobs: blobs, metrics: dependencies.metrics, dependencies: dependencies.dependencies,
        metricsToken: configuration.http.metricsToken, clock: clock
    ).add(to: router)

    let auth = AuthRoutes(
        store: store, tokens: dependencies.tokens, hasher: PasswordHasher(cost: configuration.auth.bcryptCost),
        loginGuard: LoginGuard(counters: dependencies.shared.counters, policy: dependencies.loginPolicy),
        trustedProxies: configuration.http.trustedProxies, clock: clock, metrics: dependencies.metrics.api,
        revocations: dependencies.revocations)
    let v1 = router.group("v1")
    auth.addPublic(to: v1)
    // Operator routes, before the group gains the user authentication middleware below.
    let operatorToken = OperatorToken(value: configuration.auth.operatorToken)
    let quotas = QuotaPolicy(defaults: configuration.quotaDefaults)
    let quotaRoutes = QuotaRoutes(store: store, policy: quotas, operatorToken: operatorToken)
    OrganizationRoutes(
        store: store, operatorToken: operatorToken, bcryptCost: configuration.auth.bcryptCost,
        region: configuration.region.name, clock: clock
    ).add(to: v1)
    quotaRoutes.addOperatorRoutes(to: v1)
    AuditRoutes(store: store).addOperatorRoutes(to: v1, operatorToken: operatorToken)
    WebRoutes().add(to: router)
    let secured = v1.add(
        middleware: AuthMiddleware(
            store: store, tokens: dependencies.tokens, clock: clock, queryTokenRoutes: MediaRoute.endpointPaths)
    )
    .add(middleware: RateLimitMiddleware.perPrincipal(configuration, dependencies))
    .add(
        middleware: HomeRegionMiddleware(
            region: configuration.region.name, urls: configuration.region.urls,
            directory: RegionDirectory(store: store, takeover: configuration.region.takeoverSeconds)))
    auth.addAuthenticated(to: secured)
    APIKeyRoutes(store: store, clock: clock, revocations: dependencies.revocations).add(to: secured)
    WebhookRoutes(store: store).add(to: secured)
    BrandRoutes(store: store, blobs: blobs).add(to: secured)
    RetentionRoutes(store: store, policy: configuration.retention).add(to: secured)
    AuditRoutes(store: store).add(to: secured)
    quotaRoutes.addMemberRoutes(to: secured)
    let files = BlobResponses(blobs: blobs, metrics: dependencies.metrics.api)
    UploadRoutes(store: store, blobs: blobs, quotas: quotas, clock: clock, files: files).add(to: secured)
    let jobs = JobService(
        store: store, blobs: blobs, workflow: dependencies.workflow, signal: dependencies.shared.signal, quotas: quotas,
        importer: PinnedHTTPClient(policy: dependencies.networkPolicy), clock: clock, metrics: dependencies.metrics.api)
    JobRoutes(service: jobs, cache: dependencies.jobCache, files: files).add(to: secured)
    BatchRoutes(service: jobs).add(to: secured)
    ClipRoutes(store: store, blobs: blobs, files: files).add(to: secured)
    TranscriptRoutes(store: store, blobs: blobs).add(to: secured)
    TimelineRoutes(store: store, blobs: blobs).add(to: secured)
    PresetRoutes(blobs: blobs, clock: clock).add(to: secured)
    ReportRoutes(store: store, clock: clock).add(to: secured)
    eventRoutes(configuration, dependencies).addHTTPRoutes(to: router)
    return router
}

private func eventRoutes<Store: APIStore, Blobs: BlobStore>(
    _ configuration: APIConfiguration, _ dependencies: APIDependencies<Store, Blobs>
) -> EventRoutes<Store> {
    EventRoutes(
        store: dependencies.store, events: dependencies.shared.events, tokens: dependencies.tokens,
        clock: dependencies.clock,
        writeTimeout: .seconds(configuration.http.webSocketWriteTimeoutSeconds), revocations: dependencies.revocations,
        recheck: .seconds(configuration.http.webSocketRecheckSeconds),
        sockets: SocketCounts(limit: configuration.http.maxWebSocketsPerUser))
}

/// The routes a WebSocket upgrade request is matched against (the event streams), with the
/// same request ids and problem answers as the HTTP router.
public func buildWebSocketRouter<Store: APIStore, Blobs: BlobStore>(
    configuration: APIConfiguration, dependencies: APIDependencies<Store, Blobs>
) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: RequestIdMiddleware())
    if let region = configuration.region.name { router.add(middleware: RegionHeaderMiddleware(region: region)) }
    router.add(middleware: RequestLogMiddleware(trustedProxies: configuration.http.trustedProxies))
    router.add(middleware: WebSocketRefusalMiddleware())
    router.add(middleware: ProblemMiddleware())
    router.add(middleware: RateLimitMiddleware.perAddress(configuration, dependencies))
    eventRoutes(configuration, dependencies).addWebSocketRoutes(
        to: router, limit: RateLimitMiddleware.perPrincipal(configuration, dependencies))
    return router
}

/// HTTP/1.1 with WebSocket upgrades behind `ConnectionGuard`: connections capped in all and per
/// address, idle ones closed after `idle` from the first byte, bodies that trickle cut off.
private func server<Store: APIStore, Blobs: BlobStore>(
    configuration: APIConfiguration, dependencies: APIDependencies<Store, Blobs>, idle: TimeAmount, logger: Logger
) -> HTTPServerBuilder {
    let http = configuration.http
    let metrics = dependencies.metrics.api
    let webSocketResponder = buildWebSocketRouter(configuration: configuration, dependencies: dependencies)
        .buildResponder()
    let window = TimeAmount(Duration.seconds(http.bodyRateWindowSeconds))
    let minRate = http.minBodyBytesPerSecond
    let channelConfiguration = HTTP1WebSocketUpgradeChannel.Configuration(
        http1: .init(
            additionalChannelHandlers: minRate > 0
                ? [
                    BodyRateHandler(minBytesPerSecond: minRate, window: window) { received, waited in
                        metrics.connectionCut("slow_body")
                        logger.notice(
                            "a request body arriving too slowly was cut off",
                            metadata: [
                                "http.body.bytes": "\(received)",
                                "http.body.waited_ms": "\(waited.nanoseconds / 1_000_000)",
                            ])
                    }
                ] : [], idleTimeout: idle),
        // A client message larger than the event sockets ever need is refused at the frame (1009).
        ws: .init(maxFrameSize: 4096, autoPing: .enabled(timePeriod: .seconds(http.webSocketPingSeconds))))
    let proxies = http.trustedProxies
    let limits = ConnectionLimits(
        total: http.maxConnections, perAddress: http.maxConnectionsPerAddress,
        exempt: { AppRequestContext.isTrusted($0, proxies) })
    let refused: @Sendable (String?, String) -> Void = { address, reason in
        metrics.connectionCut("refused")
        logger.notice(
            "connection refused", metadata: ["client.address": "\(address ?? "")", "connection.reason": "\(reason)"])
    }
    let tls = http.tlsCertificate.flatMap { certificate in http.tlsKey.map { (certificate, $0) } }
    return HTTPServerBuilder { responder in
        let http1 = HTTP1WebSocketUpgradeChannel(
            responder: responder, webSocketResponder: webSocketResponder, configuration: channelConfiguration)
        guard let tls else {
            return ConnectionGuard(base: http1, limits: limits, firstRequestTimeout: idle, onRefused: refused)
        }
        let http2 = HTTP2Channel(
            responder: responder,
            configuration: .init(
                idleTimeout: .init(idle),
                streamConfiguration: .init(
                    additionalChannelHandlers: channelConfiguration.http1.additionalChannelHandlers())))
        return ConnectionGuard(
            base: SecureHTTPChannel(
                context: try ServerTLS.context(certificate: tls.0, key: tls.1), http1: http1,
                http2: http2),
            limits: limits, firstRequestTimeout: idle, onRefused: refused)
    }
}

/// The HTTP application on the configured host and port. Extra services (workers, the
/// database) run in the application's service group and stop after the server drains.
public func buildApplication<Store: APIStore, Blobs: BlobStore>(
    configuration: APIConfiguration, dependencies: APIDependencies<Store, Blobs>,
    services: [any Service] = [], logger: Logger, beforeServerStarts: @escaping @Sendable () async throws -> Void = {}
) -> some ApplicationProtocol {
    let idle = TimeAmount(Duration.seconds(configuration.http.idleTimeoutSeconds))
    var own: [any Service] =
        dependencies.shared.events.map { [JobCacheInvalidation(events: $0, cache: dependencies.jobCache)] } ?? []
    own.append(
        LifecycleSweeper(
            store: dependencies.store, blobs: dependencies.blobs, policy: configuration.retention,
            quotas: configuration.quotaDefaults,
            clock: dependencies.clock, metrics: dependencies.metrics.api, logger: logger))
    var application = Application(
        router: buildRouter(configuration: configuration, dependencies: dependencies),
        server: server(configuration: configuration, dependencies: dependencies, idle: idle, logger: logger),
        // `ConnectionGuard` answers connections past the cap with a 503; this much more are
        // accepted meanwhile, then the kernel's queue holds the rest.
        configuration: .init(
            address: .hostname(configuration.http.host, port: configuration.http.port), serverName: "clipgen",
            availableConnectionsDelegate: MaximumAvailableConnections(configuration.http.maxConnections + 128)),
        services: services + own,
        logger: logger
    )
    application.beforeServerStarts(perform: beforeServerStarts)
    return application
}
