import API
import BlobStorage
import ClipGenCore
import Events
import Foundation
import Hummingbird
import Logging
import MediaAnalysis
import MediaEngine
import Persistence
import PersistenceSQLite
import ServiceLifecycle
import Workers

/// ClipGen's parts on embedded defaults (SQLite and blobs under the data directory), composed
/// for `clipgen serve` (the HTTP API, the event relay and, unless turned off, in-process
/// workers) or `clipgen worker` (workers and a metrics listener). Creating it does no I/O;
/// `prepare()` does what must hold before the first request.
public struct ClipGenServer: Sendable {
    public let configuration: ClipGenConfiguration
    public let store: SQLiteJobStore
    public let blobs: LocalBlobStore
    /// Shared by the workers that record and the API that serves `/metrics`.
    public let metrics: ProcessMetrics
    /// Job events from the outbox, for WebSockets and webhooks in this process.
    public let events = LocalEventBus()
    /// Wakes in-process workers when a job is submitted or a task queued.
    public let signal = LocalWorkSignal()
    let clock: WallClock

    public init(configuration: ClipGenConfiguration, metrics: ProcessMetrics = ProcessMetrics(), clock: WallClock = .system) {
        var configuration = configuration
        let data = configuration.dataDirectory
        if configuration.media.scratchDirectory == nil { configuration.media.scratchDirectory = data + "/tmp" }
        self.configuration = configuration
        self.metrics = metrics
        self.clock = clock
        store = SQLiteJobStore(path: data + "/clipgen.sqlite", clock: clock, workflow: configuration.workflow)
        blobs = LocalBlobStore(root: data + "/blobs")
    }

    /// Creates the data directory, brings the database's schema up to date, sweeps temp files of
    /// dead processes and, on an empty database, creates the first organisation and admin
    /// (returned, with the generated password when none was configured).
    @discardableResult
    public func prepare() async throws -> AdminBootstrap.Result? {
        try openStorage()
        return try await AdminBootstrap.run(store: store, configuration: configuration.api.auth, clock: clock)
    }

    /// The data directory, the database's schema, and no temp files of dead processes: what both
    /// the API and a worker process need before their first query.
    func openStorage() throws {
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        try store.prepare()
        blobs.removeStaleTemporaryFiles()
    }

    public func workerPool(logger: Logger, workerID: String? = nil) async throws -> WorkerPool<SQLiteJobStore, LocalBlobStore, LocalWorkSignal> {
        let media = configuration.media
        var settings = WorkerSettings(configuration.workers, workerID: workerID)
        var encoder = VideoEncoder.libx264
        if settings.capabilities.contains(.gpu) {
            // Advertise gpu only when an encoder really works here: a listed encoder may lack a driver or a device.
            let report = await HardwareDetector(ffmpegPath: media.ffmpegPath).detect()
            if report.hasGPU {
                encoder = report.encoder
                logger.info("hardware encoder in use", metadata: ["worker.encoder": "\(encoder.rawValue)"])
            } else {
                settings.capabilities.removeAll { $0 == .gpu }
                if settings.capabilities.isEmpty { settings.capabilities = [.cpu] }
                logger.warning("no working hardware encoder; this worker renders with libx264 and does not advertise gpu",
                               metadata: ["worker.unusable": "\(report.unusable.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; "))"])
            }
        }
        let root = media.scratchDirectory ?? configuration.dataDirectory + "/tmp"
        // One directory per worker, so processes sharing a data directory never touch each other's renders.
        let scratch = root + "/" + settings.workerID
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let timeout = Duration.milliseconds(Int(media.timeoutSeconds * 1000))
        let pipeline = TaskPipeline(
            store: store, blobs: blobs,
            prober: Prober(runner: .live, ffprobePath: media.ffprobePath, timeout: timeout),
            cutter: Cutter(runner: .live, ffmpegPath: media.ffmpegPath, ffprobePath: media.ffprobePath, timeout: timeout),
            thumbnailer: Thumbnailer(runner: .live, ffmpegPath: media.ffmpegPath, timeout: timeout),
            analyzer: MediaAnalyzer(ffmpegPath: media.ffmpegPath, timeout: timeout),
            qualityMeter: QualityMeter(runner: .live, ffmpegPath: media.ffmpegPath, timeout: timeout), encoder: encoder,
            scratchDirectory: scratch, sourceCacheBytes: media.sourceCacheBytes)
        return WorkerPool(pipeline: pipeline, workflow: configuration.workflow, signal: signal, settings: settings, logger: logger,
                          metrics: metrics.workers)
    }

    /// `clipgen serve`: the HTTP application with the event relay and the workers as its services.
    /// `prepare()` runs before the server accepts a request; `onPrepared` sees its result (the
    /// command prints a generated admin password).
    public func application(logger: Logger, onPrepared: @escaping @Sendable (AdminBootstrap.Result?) -> Void = { _ in })
        async throws -> some ApplicationProtocol
    {
        let secret = try configuration.api.auth.jwtSecret ?? Self.persistentSecret(in: configuration.dataDirectory)
        let tokens = try await TokenService(secret: secret, keyID: configuration.api.auth.jwtKeyID,
                                            ttlSeconds: configuration.api.auth.tokenTTLSeconds, clock: clock)
        var services: [any Service] = [EventRelay(outbox: store, bus: events, logger: logger)]
        if configuration.workers.inProcess { services.append(try await workerPool(logger: logger)) }
        return buildApplication(configuration: configuration.api,
                                dependencies: APIDependencies(store: store, blobs: blobs, tokens: tokens, workflow: configuration.workflow,
                                                              signal: signal, clock: clock, metrics: metrics.endpoint),
                                services: services, logger: logger,
                                beforeServerStarts: { onPrepared(try await prepare()) })
    }

    /// `clipgen worker`: the worker pool, and a listener for `/metrics` and `/healthz` on
    /// `workers.metricsPort` when one is set.
    public func workerServices(logger: Logger) async throws -> [any Service] {
        try openStorage()
        let pool = try await workerPool(logger: logger)
        guard let port = configuration.workers.metricsPort else { return [pool] }
        let router = Router()
        let endpoint = metrics.endpoint
        router.get("healthz") { _, _ in ["status": "ok"] }
        router.get("metrics") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: endpoint.render())))
        }
        let listener = Application(router: router, configuration: .init(address: .hostname(configuration.workers.metricsHost, port: port),
                                                                        serverName: "clipgen-worker"),
                                   services: [pool], logger: logger)
        return [listener]
    }

    /// A random secret kept in the data directory, so tokens survive restarts.
    static func persistentSecret(in directory: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/jwt-secret"
        if let existing = try? String(contentsOfFile: path, encoding: .utf8), existing.utf8.count >= 32 {
            return existing.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var generator = SystemRandomNumberGenerator()
        let secret = (0..<48).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        guard FileManager.default.createFile(atPath: path, contents: Data(secret.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ConfigurationProblem.invalid(key: "CLIPGEN_JWT_SECRET", reason: "no secret was set and none could be written to the data directory; set one or make the data directory writable")
        }
        return secret
    }
}
