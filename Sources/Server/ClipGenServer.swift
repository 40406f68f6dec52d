import API
import Accounts
import BlobStorage
import BlobStorageS3
import ClipGenCore
import Coordination
import Delivery
import Foundation
import Hummingbird
import Logging
import MediaAnalysis
import MediaEngine
import Outbound
import Persistence
import ServiceLifecycle
import Workers

/// ClipGen's parts on a store and a blob store, composed for `clipgen serve` (the HTTP API, the
/// event relay and, unless turned off, in-process workers) or `clipgen worker` (workers and a
/// metrics listener). `buildApplication(configuration:)` and `buildWorkerServices(configuration:)`
/// choose the backends from configuration; tests build one directly. Creating it does no I/O;
/// `prepare()` does what must hold before the first request.
public struct ClipGenServer<Store: JobStoreBackend, Blobs: BlobStoreBackend>: Sendable {
    public let configuration: ClipGenConfiguration
    public let store: Store
    public let blobs: Blobs
    /// Shared by the workers that record and the API that serves `/metrics`.
    public let metrics: ProcessMetrics
    /// Job events from the outbox, for WebSockets and webhooks (this process's, or every
    /// replica's through Redis); the work signal that wakes idle workers when a task is queued (in
    /// this process, or in every process sharing the database when the backend can signal across
    /// them); the shared cache level, counters and buckets.
    public let shared: SharedBackends
    /// `shared.events`, which this process always has: it relays the outbox.
    public let events: any EventBus
    /// What the backends need running besides the stores (a database listener for the signal).
    let backendServices: [any Service]
    /// What `/readyz` reports; empty: the store and the blob store.
    let dependencies: [Dependency]
    let clock: WallClock
    private let preparation = Once<AdminBootstrap.Result?>()

    public init(
        configuration: ClipGenConfiguration, store: Store, blobs: Blobs, shared: SharedBackends = SharedBackends(),
        backendServices: [any Service] = [], dependencies: [Dependency] = [],
        metrics: ProcessMetrics = ProcessMetrics(),
        clock: WallClock = .system
    ) {
        var configuration = configuration
        if configuration.media.scratchDirectory == nil {
            configuration.media.scratchDirectory = configuration.dataDirectory + "/tmp"
        }
        self.configuration = configuration
        self.store = store
        self.blobs = blobs
        // This process relays the outbox, so there are always events to serve.
        let events = shared.events ?? LocalEventBus()
        self.events = events
        self.shared = {
            var shared = shared
            shared.events = events
            return shared
        }()
        self.backendServices = backendServices
        self.dependencies = dependencies
        self.metrics = metrics
        self.clock = clock
    }

    /// Brings the storage up (data directory, schema, no temp files of dead processes) and, on an
    /// empty database, creates the first organisation and admin (returned, with the generated
    /// password when none was configured). Runs once per server; later calls wait for and return
    /// the first one's result.
    @discardableResult
    public func prepare() async throws -> AdminBootstrap.Result? {
        try await preparation.value { [self] in
            try await openStorage()
            return try await AdminBootstrap.run(
                store: store, configuration: configuration.api.auth, homeRegion: configuration.api.region.name,
                clock: clock)
        }
    }

    /// What both the API and a worker process need before their first query.
    func openStorage() async throws {
        try Self.makeDataDirectory(configuration.dataDirectory)
        try await store.prepare()
        try await blobs.prepare()
    }

    public func workerPool(logger: Logger, workerID: String? = nil) async throws -> WorkerPool<Store, Blobs> {
        let media = configuration.media
        var settings = WorkerSettings(configuration.workers, workerID: workerID)
        var encoder = VideoEncoder.libx264
        if settings.capabilities.contains(.gpu) {
            // Advertise gpu only when an encoder really works here: a listed encoder may lack a driver or a device.
            let report = await HardwareDetector(
                ffmpegPath: media.ffmpegPath, candidates: configuration.workers.gpuEncoders
            ).detect()
            if report.hasGPU {
                encoder = report.encoder
                logger.info("GPU encoder in use", metadata: ["worker.encoder": "\(encoder.rawValue)"])
            } else {
                settings.capabilities.removeAll { $0 == .gpu }
                if settings.capabilities.isEmpty { settings.capabilities = [.cpu] }
                logger.warning(
                    "no working hardware encoder; this worker renders with libx264 and does not advertise gpu",
                    metadata: [
                        "worker.unusable": .string(
                            report.unusable.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(
                                separator: "; "))
                    ])
            }
        }
        let root = media.scratchDirectory ?? configuration.dataDirectory + "/tmp"
        // One directory per worker, so processes sharing a data directory never touch each other's renders.
        let scratch = root + "/" + settings.workerID
        // Sources, renders and their parts are users' files in the clear: this worker's alone,
        // wherever the scratch volume is and whatever it allows.
        try FileManager.default.createDirectory(
            atPath: scratch, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: scratch)
        let timeout = Duration.seconds(media.timeoutSeconds)
        let helpers = PythonHelper(venv: media.helpersVenv, timeout: timeout)
        var pipeline = TaskPipeline(
            store: store, blobs: blobs,
            prober: Prober(runner: .live, ffprobePath: media.ffprobePath, timeout: timeout),
            cutter: Cutter(
                runner: .live, ffmpegPath: media.ffmpegPath, ffprobePath: media.ffprobePath, timeout: timeout),
            thumbnailer: Thumbnailer(runner: .live, ffmpegPath: media.ffmpegPath, timeout: timeout),
            analyzer: MediaAnalyzer(ffmpegPath: media.ffmpegPath, timeout: timeout),
            qualityMeter: QualityMeter(runner: .live, ffmpegPath: media.ffmpegPath, timeout: timeout),
            speech: SpeechRecognizer(
                helper: helpers, ffmpegPath: media.ffmpegPath, timeout: timeout,
                threads: ProcessInfo.processInfo.activeProcessorCount / max(1, settings.concurrency)),
            faces: FaceDetector(helper: helpers, ffmpegPath: media.ffmpegPath), encoder: encoder,
            scratchDirectory: scratch, sourceCacheBytes: media.sourceCacheBytes,
            // Sealed at rest, a decrypted copy lives only while a task reads it.
            keepsSourceCopies: configuration.encryption == nil, importPolicy: configuration.outbound.policy)
        // An import is an upload by other means: the same quotas, and FFmpeg's time limit.
        pipeline.quotas = configuration.api.quotaDefaults
        pipeline.importTimeout = timeout
        pipeline.analysisSegmentSeconds = media.analysisSegmentSeconds
        var pool = WorkerPool(
            pipeline: pipeline, workflow: configuration.workflow, signal: shared.signal, settings: settings,
            logger: logger,
            metrics: metrics.workers)
        // Synchronous replication waits on the second region's store; asynchronous, with that
        // store named, watches it for the lag.
        if var replica = configuration.s3, let endpoint = replica.replicaEndpoint {
            replica.endpoint = endpoint
            replica.replicaBuckets = []
            let store = S3BlobStore(configuration: replica, logger: logger)
            // Sizes compared as the workers' store reports them: of the plain bytes, when sealed.
            let readable: any BlobStore =
                configuration.encryption.map { EncryptedBlobStore(base: store, ring: $0) } ?? store
            pool.replication = ReplicationGate(
                replica: readable, timeout: .seconds(configuration.workers.replicationTimeoutSeconds),
                waits: configuration.workers.synchronousReplication)
        }
        return pool
    }

    /// `clipgen serve`: the HTTP application with the storage, the event relay and the workers as
    /// its services. `prepare()` runs before the server accepts a request and before the relay and
    /// workers start; `onPrepared` sees its result (the command prints a generated admin password).
    public func application(logger: Logger, onPrepared: @escaping @Sendable (AdminBootstrap.Result?) -> Void = { _ in })
        async throws -> some ApplicationProtocol
    {
        let secret = try configuration.api.auth.jwtSecret ?? Self.persistentSecret(in: configuration.dataDirectory)
        let auth = configuration.api.auth
        let tokens = try await TokenService(
            keys: [SigningKey(id: auth.jwtKeyID, secret: secret)] + auth.jwtPreviousKeys,
            activeKeyID: auth.jwtKeyID, ttlSeconds: auth.tokenTTLSeconds, clock: clock)
        var afterPreparation: [any Service] = [
            relay(to: events, logger: logger),
            WebhookDispatcher(
                store: store, policy: configuration.outbound.policy, settings: configuration.webhooks, clock: clock,
                logger: logger,
                metrics: DeliveryMetrics(factory: metrics.endpoint.factory)),
        ]
        if configuration.workers.inProcess { afterPreparation.append(try await workerPool(logger: logger)) }
        // The storage first: services stop in reverse order, so it closes after everything else drained.
        let services: [any Service] =
            [store, blobs] + backendServices
            + [StartAfter(ready: { try await prepare() }, services: afterPreparation, logger: logger)]
        return API.buildApplication(
            configuration: configuration.api,
            dependencies: APIDependencies(
                store: store, blobs: blobs, tokens: tokens, shared: shared,
                workflow: configuration.workflow, clock: clock, metrics: metrics.endpoint,
                dependencies: dependencies, networkPolicy: configuration.outbound.policy),
            services: services, logger: logger,
            beforeServerStarts: { onPrepared(try await prepare()) })
    }

    private func relay(to bus: some EventBus, logger: Logger) -> any Service {
        EventRelay(outbox: store, bus: bus, logger: logger, clock: clock)
    }

    /// `clipgen worker`: the storage, the worker pool once the storage is prepared, and a listener
    /// for `/metrics` and `/healthz` on `workers.metricsPort` when one is set.
    public func workerServices(logger: Logger) async throws -> [any Service] {
        let pool = StartAfter(
            ready: { try await openStorage() }, services: [try await workerPool(logger: logger)], logger: logger)
        guard let port = configuration.workers.metricsPort else { return [store, blobs] + backendServices + [pool] }
        let router = Router()
        let endpoint = metrics.endpoint
        router.get("healthz") { _, _ in ["status": "ok"] }
        router.get("metrics") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: endpoint.render())))
        }
        let listener = Application(
            router: router,
            configuration: .init(
                address: .hostname(configuration.workers.metricsHost, port: port),
                serverName: "clipgen-worker"),
            services: [pool], logger: logger)
        return [store, blobs] + backendServices + [listener]
    }

    /// The data directory holds the SQLite file (password hashes) and the JWT secret: a new one is
    /// made readable by its owner only. An existing one is left as the operator set it.
    static func makeDataDirectory(_ path: String) throws {
        guard !FileManager.default.fileExists(atPath: path) else { return }
        try FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    /// A random secret kept in the data directory, so tokens survive restarts.
    static func persistentSecret(in directory: String) throws -> String {
        try makeDataDirectory(directory)
        let path = directory + "/jwt-secret"
        if let existing = try? String(contentsOfFile: path, encoding: .utf8), existing.utf8.count >= 32 {
            return existing.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let secret = Secrets.hex(bytes: 48)
        guard
            FileManager.default.createFile(
                atPath: path, contents: Data(secret.utf8), attributes: [.posixPermissions: 0o600])
        else {
            throw ConfigurationProblem.invalid(
                key: "CLIPGEN_JWT_SECRET",
                reason:
                    """
                    no secret was set and none could be written to the data directory; set one or make the data \
                    directory writable
                    """
            )
        }
        return secret
    }
}
