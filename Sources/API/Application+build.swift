import Foundation
import BlobStorage
import ClipGenCore
import Events
import Hummingbird
import Logging
import Persistence
import ServiceLifecycle

/// Everything the HTTP side needs, created once by the caller.
public struct APIDependencies<Store: AccountStore & JobRepository & TaskQueue, Blobs: BlobStore>: Sendable {
    public var store: Store
    public var blobs: Blobs
    public var tokens: TokenService
    public var workflow: JobWorkflow
    /// Woken when a job is submitted, so idle in-process workers claim it at once.
    public var signal: any WorkSignal
    public var clock: WallClock
    public var metrics: MetricsEndpoint
    /// What `/readyz` reports; empty: the store and the blob store.
    public var dependencies: [Dependency]
    /// Job events, which invalidate cached job statuses; nil: only the API's own writes do, and
    /// running jobs' entries expire within seconds.
    public var events: (any EventBus)?
    /// `GET /v1/jobs/{id}` answers, in memory and in `sharedCache` (Redis) when given.
    let jobCache: JobStatusCache
    public init(store: Store, blobs: Blobs, tokens: TokenService, workflow: JobWorkflow = JobWorkflow(), signal: any WorkSignal = LocalWorkSignal(),
                clock: WallClock = .system, metrics: MetricsEndpoint = .disabled, dependencies: [Dependency] = [],
                events: (any EventBus)? = nil, sharedCache: (any SharedCache)? = nil) {
        self.dependencies = dependencies
        self.events = events
        self.jobCache = JobStatusCache(shared: sharedCache)
        self.store = store
        self.blobs = blobs
        self.tokens = tokens
        self.workflow = workflow
        self.signal = signal
        self.clock = clock
        self.metrics = metrics
    }
}

/// The router with every route and middleware; binds nothing, so tests drive it directly.
public func buildRouter<Store: AccountStore & JobRepository & TaskQueue, Blobs: BlobStore>(
    configuration: APIConfiguration, dependencies: APIDependencies<Store, Blobs>
) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: RequestIdMiddleware())
    router.add(middleware: LogRequestsMiddleware(.debug))
    router.add(middleware: RequestMetricsMiddleware(factory: dependencies.metrics.factory))
    router.add(middleware: ProblemMiddleware())
    let (store, blobs, clock) = (dependencies.store, dependencies.blobs, dependencies.clock)
    HealthRoutes(store: store, blobs: blobs, metrics: dependencies.metrics, dependencies: dependencies.dependencies).add(to: router)

    let auth = AuthRoutes(store: store, tokens: dependencies.tokens, bcryptCost: configuration.auth.bcryptCost, clock: clock)
    let v1 = router.group("v1")
    auth.addPublic(to: v1)
    let secured = v1.add(middleware: AuthMiddleware(store: store, tokens: dependencies.tokens))
    auth.addAuthenticated(to: secured)
    UploadRoutes(store: store, blobs: blobs, maxBytes: configuration.maxUploadBytes, clock: clock).add(to: secured)
    let jobs = JobService(store: store, blobs: blobs, workflow: dependencies.workflow, signal: dependencies.signal, clock: clock)
    JobRoutes(service: jobs, cache: dependencies.jobCache).add(to: secured)
    ClipRoutes(store: store, blobs: blobs).add(to: secured)
    return router
}

/// The HTTP application on the configured host and port. Extra services (workers, the
/// database) run in the application's service group and stop after the server drains.
public func buildApplication<Store: AccountStore & JobRepository & TaskQueue, Blobs: BlobStore>(
    configuration: APIConfiguration, dependencies: APIDependencies<Store, Blobs>,
    services: [any Service] = [], logger: Logger, beforeServerStarts: @escaping @Sendable () async throws -> Void = {}
) -> some ApplicationProtocol {
    var application = Application(
        router: buildRouter(configuration: configuration, dependencies: dependencies),
        configuration: .init(address: .hostname(configuration.http.host, port: configuration.http.port), serverName: "clipgen"),
        services: services + (dependencies.events.map { [JobCacheInvalidation(events: $0, cache: dependencies.jobCache)] } ?? []),
        logger: logger
    )
    application.beforeServerStarts(perform: beforeServerStarts)
    return application
}
