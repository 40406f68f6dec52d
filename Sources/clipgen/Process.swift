import ArgumentParser
import ClipGenCore
import Foundation
import Logging
import Metrics
import Server

/// What every long-running command does first, once per process.
enum Process {
    /// Flags > environment > file > defaults; a bad value is a one-line error naming its variable.
    static func configuration(flags: [String: String]) async throws -> ClipGenConfiguration {
        do {
            return try await ConfigurationLoader.load(flags: flags, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// The configuration, then JSON logs (stderr or the log file) and one Prometheus registry for the process
    /// (bootstrapped here and nowhere else).
    static func start(flags: [String: String]) async throws -> (ClipGenConfiguration, Logger, ProcessMetrics) {
        let configuration = try await self.configuration(flags: flags)
        let logger: Logger
        do {
            logger = try JSONLogHandler.bootstrap(level: configuration.logLevel, file: configuration.logFile)
        } catch {
            throw ValidationError("\(error)")
        }
        let metrics = ProcessMetrics()
        MetricsSystem.bootstrap(metrics.factory)
        return (configuration, logger, metrics)
    }
}
