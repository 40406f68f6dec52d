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

/// `clipgen serve` on embedded defaults: SQLite and blobs under the data directory, the HTTP
/// API, and (unless turned off) in-process workers, all in one service group.
public struct ClipGenServer: Sendable {
    public let configuration: ClipGenConfiguration
    public let store: SQLiteJobStore
    public let blobs: LocalBlobStore
    public let tokens: TokenService
    public let bootstrap: AdminBootstrap.Result?
    /// Shared by the workers that record and the API that serves `/metrics`.
    public let metrics = MetricsRegistry()
    /// Job events from the outbox, for WebSockets and webhooks in this process.
    public let events = LocalEventBus()
    /// Wakes in-process workers when a job is submitted or a task queued.
    public let signal = LocalWorkSignal()

    public init(configuration: ClipGenConfiguration, clock: WallClock = .system) async throws {
        var configuration = configuration
        let data = configuration.storage.dataDirectory
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        if configuration.media.scratchDirectory == nil { configuration.media.scratchDirectory = data + "/tmp" }
        self.configuration = configuration
        store = try SQLiteJobStore(path: data + "/clipgen.sqlite", clock: clock, workflow: configuration.workflow)
        blobs = LocalBlobStore(root: data + "/blobs")
        blobs.removeStaleTemporaryFiles(olderThan: 24 * 3600)
        let secret = try configuration.auth.jwtSecret ?? Self.persistentSecret(in: data)
        tokens = try await TokenService(secret: secret, keyID: configuration.auth.jwtKeyID,
                                        ttlSeconds: configuration.auth.tokenTTLSeconds, clock: clock)
        bootstrap = try await AdminBootstrap.run(store: store, configuration: configuration.auth, clock: clock)
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
        let root = media.scratchDirectory ?? configuration.storage.dataDirectory + "/tmp"
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
            scratchDirectory: scratch)
        return WorkerPool(pipeline: pipeline, workflow: configuration.workflow, signal: signal, settings: settings, logger: logger, metrics: metrics)
    }

    /// The HTTP application with the event relay and the workers as its services.
    public func application(logger: Logger) async throws -> some ApplicationProtocol {
        var services: [any Service] = [EventRelay(outbox: store, bus: events, logger: logger)]
        if configuration.workers.inProcess { services.append(try await workerPool(logger: logger)) }
        return buildApplication(configuration: configuration,
                                dependencies: APIDependencies(store: store, blobs: blobs, tokens: tokens, workflow: configuration.workflow,
                                                              signal: signal, metrics: metrics),
                                services: services, logger: logger)
    }

    /// A random secret kept in the data directory, so tokens survive restarts.
    static func persistentSecret(in directory: String) throws -> String {
        let path = directory + "/jwt-secret"
        if let existing = try? String(contentsOfFile: path, encoding: .utf8), existing.utf8.count >= 32 {
            return existing.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var generator = SystemRandomNumberGenerator()
        let secret = (0..<48).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        guard FileManager.default.createFile(atPath: path, contents: Data(secret.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ConfigurationProblem.invalid(key: "CLIPGEN_JWT_SECRET", reason: "no secret was set and none could be written to \(path); set one or make the data directory writable")
        }
        return secret
    }
}
