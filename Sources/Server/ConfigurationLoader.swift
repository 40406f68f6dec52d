import Foundation
import API
import ClipGenCore
import Configuration
import SystemPackage

/// Fills `ClipGenConfiguration` from, in order of precedence: command-line flags, `CLIPGEN_*`
/// environment variables, an env-style file (`KEY=VALUE` lines, `--config` / `CLIPGEN_CONFIG`),
/// then the defaults. Every key is listed in `keys` and in the README.
public enum ConfigurationLoader {
    /// Key, environment variable, meaning. Flag names are the keys in kebab case.
    public static let keys: [(key: String, meaning: String)] = [
        ("host", "address to bind (127.0.0.1)"),
        ("port", "port to bind (8080)"),
        ("dataDir", "directory for the SQLite database and blobs (./data)"),
        ("maxUploadBytes", "largest upload in bytes (10737418240)"),
        ("jwtSecret", "HS256 secret, ≥ 32 bytes (generated into the data directory)"),
        ("jwtKeyId", "kid header of issued tokens (k1)"),
        ("tokenTtlSeconds", "access token lifetime (3600)"),
        ("adminEmail", "first admin's email (admin@localhost)"),
        ("adminPassword", "first admin's password (generated and printed once)"),
        ("bcryptCost", "bcrypt cost factor (12)"),
        ("workersInProcess", "run workers inside serve (true)"),
        ("workerConcurrency", "tasks run at once per worker (2)"),
        ("workerCapabilities", "comma-separated: cpu,gpu (cpu)"),
        ("leaseSeconds", "task lease length (60)"),
        ("heartbeatSeconds", "lease renewal and cancellation check interval (5)"),
        ("pollSeconds", "idle worker poll interval (0.5)"),
        ("maxAttempts", "attempts per task before the job fails (3)"),
        ("retryBaseSeconds", "first retry delay, doubled per attempt (2)"),
        ("shutdownGraceSeconds", "time running tasks get to finish on SIGTERM (30)"),
        ("metricsPort", "port of a worker's /metrics and /healthz (none)"),
        ("metricsHost", "address that listener binds (127.0.0.1)"),
        ("sourceCacheBytes", "most bytes of sources a worker caches locally (21474836480)"),
        ("ffmpegPath", "ffmpeg executable (ffmpeg)"),
        ("ffprobePath", "ffprobe executable (ffprobe)"),
        ("mediaTimeoutSeconds", "longest one FFmpeg run may take (3600)"),
        ("scratchDir", "render scratch directory (<dataDir>/tmp)"),
        ("logLevel", "trace, debug, info, notice, warning, error (info)"),
    ]

    public static func environmentName(_ key: String) -> String {
        "CLIPGEN_" + key.reduce(into: "") { name, character in
            if character.isUppercase { name += "_" }
            name += character.uppercased()
        }
    }

    /// - Parameters:
    ///   - flags: values given on the command line, by key.
    ///   - environment: the process environment (injected for tests).
    public static func load(flags: [String: String], environment: [String: String]) async throws -> ClipGenConfiguration {
        var providers: [any ConfigProvider] = [
            InMemoryProvider(name: "flags", values: Dictionary(uniqueKeysWithValues: flags.map {
                (AbsoluteConfigKey(["clipgen", $0.key]), ConfigValue(.string($0.value), isSecret: $0.key.lowercased().contains("secret") || $0.key.lowercased().contains("password")))
            })),
            EnvironmentVariablesProvider(environmentVariables: environment,
                                         secretsSpecifier: .specific(["CLIPGEN_JWT_SECRET", "CLIPGEN_ADMIN_PASSWORD"])),
        ]
        if let file = flags["config"] ?? environment["CLIPGEN_CONFIG"] {
            providers.append(try await EnvironmentVariablesProvider(environmentFilePath: FilePath(file)))
        }
        let reader = Reader(config: ConfigReader(providers: providers))
        var c = ClipGenConfiguration()
        c.http.host = reader.string("host") ?? c.http.host
        c.http.port = try reader.int("port", in: 0...65535) ?? c.http.port
        c.storage.dataDirectory = reader.string("dataDir") ?? c.storage.dataDirectory
        c.storage.maxUploadBytes = try reader.int("maxUploadBytes", in: 1...Int.max).map(Int64.init) ?? c.storage.maxUploadBytes
        c.auth.jwtSecret = reader.string("jwtSecret")
        if let secret = c.auth.jwtSecret, secret.utf8.count < 32 { throw ConfigurationProblem.weakJWTSecret }
        c.auth.jwtKeyID = reader.string("jwtKeyId") ?? c.auth.jwtKeyID
        c.auth.tokenTTLSeconds = try reader.int("tokenTtlSeconds", in: 60...31_536_000) ?? c.auth.tokenTTLSeconds
        c.auth.adminEmail = reader.string("adminEmail") ?? c.auth.adminEmail
        c.auth.adminPassword = reader.string("adminPassword")
        if let password = c.auth.adminPassword, password.utf8.count < 8 || password.utf8.count > 72 {
            throw ConfigurationProblem.invalid(key: environmentName("adminPassword"), reason: "must be 8 to 72 bytes long")
        }
        c.auth.bcryptCost = try reader.int("bcryptCost", in: 4...31) ?? c.auth.bcryptCost
        c.workers.inProcess = try reader.bool("workersInProcess") ?? c.workers.inProcess
        c.workers.concurrency = try reader.int("workerConcurrency", in: 1...256) ?? c.workers.concurrency
        if let raw = reader.string("workerCapabilities") {
            c.workers.capabilities = try raw.split(separator: ",").map { name in
                guard let capability = Capability(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                    throw ConfigurationProblem.invalid(key: environmentName("workerCapabilities"), reason: "'\(name)' is not one of cpu, gpu")
                }
                return capability
            }
        }
        c.workers.leaseSeconds = try reader.double("leaseSeconds", in: 1...86_400) ?? c.workers.leaseSeconds
        c.workers.heartbeatSeconds = try reader.double("heartbeatSeconds", in: 0.1...3600) ?? c.workers.heartbeatSeconds
        if c.workers.heartbeatSeconds >= c.workers.leaseSeconds {
            throw ConfigurationProblem.invalid(key: environmentName("heartbeatSeconds"), reason: "must be shorter than the lease")
        }
        c.workers.pollSeconds = try reader.double("pollSeconds", in: 0.01...60) ?? c.workers.pollSeconds
        c.workers.maxAttempts = try reader.int("maxAttempts", in: 1...100) ?? c.workers.maxAttempts
        c.workers.retryBaseSeconds = try reader.double("retryBaseSeconds", in: 0...3600) ?? c.workers.retryBaseSeconds
        c.workers.shutdownGraceSeconds = try reader.double("shutdownGraceSeconds", in: 0...86_400) ?? c.workers.shutdownGraceSeconds
        c.media.ffmpegPath = reader.string("ffmpegPath") ?? c.media.ffmpegPath
        c.media.ffprobePath = reader.string("ffprobePath") ?? c.media.ffprobePath
        c.media.timeoutSeconds = try reader.double("mediaTimeoutSeconds", in: 1...604_800) ?? c.media.timeoutSeconds
        c.media.scratchDirectory = reader.string("scratchDir")
        c.workers.metricsPort = try reader.int("metricsPort", in: 0...65535)
        c.workers.metricsHost = reader.string("metricsHost") ?? c.workers.metricsHost
        c.media.sourceCacheBytes = try reader.int("sourceCacheBytes", in: 0...Int.max).map(Int64.init) ?? c.media.sourceCacheBytes
        c.logLevel = reader.string("logLevel") ?? c.logLevel
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(c.logLevel) else {
            throw ConfigurationProblem.invalid(key: environmentName("logLevel"), reason: "'\(c.logLevel)' is not a log level")
        }
        return c
    }

    /// Reads strings and parses them here, so a malformed value is an error naming its variable
    /// rather than a silent fallback to the default.
    struct Reader {
        let config: ConfigReader

        func string(_ key: String) -> String? {
            let value = config.string(forKey: ConfigKey(["clipgen", key]))?.trimmingCharacters(in: .whitespaces)
            return value?.isEmpty == false ? value : nil
        }

        func int(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
            guard let raw = string(key) else { return nil }
            guard let value = Int(raw), range.contains(value) else {
                throw ConfigurationProblem.invalid(key: environmentName(key), reason: "'\(raw)' is not a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return value
        }

        func double(_ key: String, in range: ClosedRange<Double>) throws -> Double? {
            guard let raw = string(key) else { return nil }
            guard let value = Double(raw), range.contains(value) else {
                throw ConfigurationProblem.invalid(key: environmentName(key), reason: "'\(raw)' is not a number from \(range.lowerBound) to \(range.upperBound)")
            }
            return value
        }

        func bool(_ key: String) throws -> Bool? {
            guard let raw = string(key)?.lowercased() else { return nil }
            switch raw {
            case "true", "1", "yes", "on": return true
            case "false", "0", "no", "off": return false
            default: throw ConfigurationProblem.invalid(key: environmentName(key), reason: "'\(raw)' is not true or false")
            }
        }
    }
}
