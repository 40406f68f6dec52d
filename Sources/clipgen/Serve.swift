import API
import Accounts
import ArgumentParser
import ClipGenCore
import Foundation
import Hummingbird
import Logging
import Server
import Workers

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Run the HTTP API and in-process workers on embedded defaults (SQLite and blobs in the data directory).")

    @Option(help: "Address to bind (CLIPGEN_HOST, default 127.0.0.1).") var host: String?
    @Option(help: "Port to bind (CLIPGEN_PORT, default 8080).") var port: String?
    @Option(name: .customLong("data-dir"), help: "Data directory (CLIPGEN_DATA_DIR, default ./data).") var dataDir:
        String?
    @Option(help: "Env-style file of CLIPGEN_* settings (CLIPGEN_CONFIG).") var config: String?
    @Flag(name: .customLong("no-workers"), help: "Serve the API only; `clipgen worker` processes do the work.")
    var noWorkers = false
    @Option(
        help:
            """
            Worker capabilities, e.g. cpu,gpu (CLIPGEN_WORKER_CAPABILITIES); gpu is kept only if a hardware \
            encoder works.
            """
    )
    var capabilities: String?

    func run() async throws {
        var flags: [String: String] = [:]
        flags["host"] = host
        flags["port"] = port
        flags["dataDir"] = dataDir
        flags["config"] = config
        if noWorkers { flags["workersInProcess"] = "false" }
        flags["workerCapabilities"] = capabilities
        let (configuration, logger, metrics) = try await Process.start(flags: flags)
        logger.info(
            "starting",
            metadata: [
                "http.address": "\(configuration.api.http.host):\(configuration.api.http.port)",
                "data.dir": "\(configuration.dataDirectory)",
                "workers.inProcess": "\(configuration.workers.inProcess)",
            ])
        try await buildApplication(configuration: configuration, metrics: metrics, logger: logger) { bootstrap in
            guard let bootstrap else { return }
            if let password = bootstrap.generatedPassword {
                // Written once, on stdout rather than in the JSON logs, so log shipping never stores it;
                // unbuffered, so it shows at once when stdout is a pipe or a container's log.
                FileHandle.standardOutput.write(
                    Data("created admin \(bootstrap.email) with password \(password) (shown only now)\n".utf8))
            } else {
                logger.notice("created admin", metadata: ["admin.email": "\(bootstrap.email)"])
            }
        }.runService()
    }
}
