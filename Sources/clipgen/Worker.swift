import ArgumentParser
import ClipGenCore
import Foundation
import Logging
import Server
import ServiceLifecycle
import UnixSignals
import Workers

struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run workers only: claim and run tasks from the same data directory as `clipgen serve --no-workers`.")

    @Option(
        name: .customLong("data-dir"), help: "Data directory shared with the API (CLIPGEN_DATA_DIR, default ./data).")
    var dataDir: String?
    @Option(help: "Env-style file of CLIPGEN_* settings (CLIPGEN_CONFIG).") var config: String?
    @Option(
        help:
            """
            Capabilities to claim work for, e.g. cpu,gpu (CLIPGEN_WORKER_CAPABILITIES, default cpu); gpu is kept \
            only if a hardware encoder works.
            """
    )
    var capabilities: String?
    @Option(help: "Tasks run at once (CLIPGEN_WORKER_CONCURRENCY, default 2).") var concurrency: String?
    @Option(
        name: .customLong("metrics-port"),
        help: "Serve /metrics and /healthz on this port (CLIPGEN_METRICS_PORT, default none).")
    var metricsPort: String?

    func run() async throws {
        var flags: [String: String] = [:]
        flags["dataDir"] = dataDir
        flags["config"] = config
        flags["workerCapabilities"] = capabilities
        flags["workerConcurrency"] = concurrency
        flags["metricsPort"] = metricsPort
        let (configuration, logger, metrics) = try await Process.start(flags: flags)
        logger.info(
            "starting worker",
            metadata: [
                "data.dir": "\(configuration.dataDirectory)",
                "metrics.port": "\(configuration.workers.metricsPort.map(String.init) ?? "none")",
            ])
        let group = ServiceGroup(
            configuration: .init(
                services: try await buildWorkerServices(configuration: configuration, metrics: metrics, logger: logger),
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
