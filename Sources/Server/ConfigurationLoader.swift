import API
import BlobStorage
import BlobStorageS3
import ClipGenCore
import Configuration
import Delivery
import Foundation
import MediaEngine
import Outbound
import PersistencePostgres
import RedisSupport
import SystemPackage
import Workers

/// Fills `ClipGenConfiguration` from, in order of precedence: command-line flags, `CLIPGEN_*`
/// environment variables, an env-style file (`KEY=VALUE` lines, `--config` / `CLIPGEN_CONFIG`),
/// then the defaults. Every key is listed in `keys` and in the README.
public enum ConfigurationLoader {
    /// Every key, by owner: the process's own, the API, webhook deliveries, workers, the workflow's retries, the media
    /// engine. The README's table is exactly this list (a test compares them).
    public static let keys: [ConfigurationKey] =
        ClipGenConfiguration.keys + APIConfiguration.keys + WebhookDispatcherSettings.keys + WorkerConfiguration.keys
        + RetryPolicy.keys + MediaConfiguration.keys + OutboundConfiguration.keys + S3Configuration.keys
        + EncryptionKeyRing.configurationKeys + RedisConfiguration.keys + BackupConfiguration.keys

    public static func environmentName(_ key: String) -> String { ConfigurationKey.environmentName(key) }

    /// `s3Endpoint` → `clipgen.s3.endpoint`: one component per word, split where
    /// `ConfigurationKey.environmentName` puts its underscores, so the environment provider's
    /// name for a key is exactly the documented one (its own camel-case split leaves `S3ENDPOINT`).
    static func components(_ key: String) -> [String] {
        ["clipgen"]
            + ConfigurationKey.environmentName(key).dropFirst("CLIPGEN_".count).split(separator: "_").map {
                $0.lowercased()
            }
    }

    /// Values never printed or logged: credentials, and URLs that may carry them.
    static let secretNames: Set<String> = [
        "CLIPGEN_JWT_SECRET", "CLIPGEN_JWT_PREVIOUS_KEYS", "CLIPGEN_ADMIN_PASSWORD", "CLIPGEN_DATABASE_URL",
        "CLIPGEN_S3_SECRET_ACCESS_KEY", "CLIPGEN_REDIS_URL", "CLIPGEN_METRICS_TOKEN", "CLIPGEN_OPERATOR_TOKEN",
        "CLIPGEN_ENCRYPTION_KEYS", "CLIPGEN_BACKUP_S3_SECRET_ACCESS_KEY",
    ]

    /// - Parameters:
    ///   - flags: values given on the command line, by key.
    ///   - environment: the process environment (injected for tests).
    public static func load(flags: [String: String], environment: [String: String]) async throws -> ClipGenConfiguration
    {
        var providers: [any ConfigProvider] = [
            InMemoryProvider(
                name: "flags",
                values: Dictionary(
                    uniqueKeysWithValues: flags.map {
                        (
                            AbsoluteConfigKey(components($0.key)),
                            ConfigValue(.string($0.value), isSecret: secretNames.contains(environmentName($0.key)))
                        )
                    })),
            EnvironmentVariablesProvider(
                environmentVariables: environment,
                secretsSpecifier: .specific(secretNames)),
        ]
        if let file = flags["config"] ?? environment["CLIPGEN_CONFIG"] {
            providers.append(try await EnvironmentVariablesProvider(environmentFilePath: FilePath(file)))
        }
        let values = Values(config: ConfigReader(providers: providers))
        var c = ClipGenConfiguration()
        c.api = try APIConfiguration(reading: values)
        c.webhooks = try WebhookDispatcherSettings(reading: values)
        c.workers = try WorkerConfiguration(reading: values)
        c.retry = try RetryPolicy(reading: values)
        c.media = try MediaConfiguration(reading: values)
        c.outbound = try OutboundConfiguration(reading: values)
        c.dataDirectory = values.string("dataDir") ?? c.dataDirectory
        c.databaseURL = values.string("databaseUrl")
        c.databaseReadURL = values.string("databaseReadUrl")
        if case .postgres = try DatabaseLocation(c) {
            if let read = c.databaseReadURL {
                do {
                    _ = try PostgresServers(url: read)
                } catch {
                    throw ConfigurationProblem.invalid(
                        key: ConfigurationKey.environmentName("databaseReadUrl"), reason: "\(error)")
                }
            }
        } else if c.databaseReadURL != nil {
            throw ConfigurationProblem.invalid(
                key: ConfigurationKey.environmentName("databaseReadUrl"),
                reason: "a read server goes with PostgreSQL: set CLIPGEN_DATABASE_URL to postgres://… too")
        }
        c.s3 = try S3Configuration(reading: values)
        c.backup = try BackupConfiguration(reading: values)
        c.encryption = try EncryptionKeyRing(reading: values)
        c.redis = try RedisConfiguration(reading: values)
        // Confirming replication reads the second region's copy of this region's bucket.
        if c.workers.synchronousReplication && c.s3?.replicaEndpoint == nil {
            throw ConfigurationProblem.invalid(
                key: environmentName("replication"),
                reason: "sync needs \(environmentName("s3ReplicaEndpoint")), the second region's store")
        }
        c.logLevel = values.string("logLevel") ?? c.logLevel
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(c.logLevel) else {
            throw ConfigurationProblem.invalid(
                key: environmentName("logLevel"), reason: "'\(c.logLevel)' is not a log level")
        }
        if let path = values.string("logFile") {
            var file = LogFile.Settings(path: path)
            file.maxBytes = Int64(try values.int("logMaxBytes", in: 4096...(1 << 40)) ?? Int(file.maxBytes))
            file.keep = try values.int("logFiles", in: 0...1000) ?? file.keep
            c.logFile = file
        }
        return c
    }

    /// Flags, environment and file through swift-configuration, as strings the modules parse.
    struct Values: ConfigurationValues {
        let config: ConfigReader

        func string(_ key: String) -> String? {
            let value = config.string(forKey: ConfigKey(ConfigurationLoader.components(key)))?.trimmingCharacters(
                in: .whitespaces)
            return value?.isEmpty == false ? value : nil
        }
    }
}
