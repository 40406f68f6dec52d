import ClipGenCore
import Foundation

/// Where Redis is: `redis://[[user]:password@]host[:port][/database]`.
public struct RedisConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?
    public var database: Int

    public init(host: String, port: Int = 6379, username: String? = nil, password: String? = nil, database: Int = 0) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
    }

    public static let keys = [
        ConfigurationKey(
            "redisUrl",
            """
            Redis for the event bus across replicas, the job status cache and shared counters: \
            redis://[:password@]host[:port][/db] (none: all in-process)
            """
        )
    ]

    /// nil when no Redis is configured.
    public init?(reading values: some ConfigurationValues) throws {
        guard let raw = values.string("redisUrl") else { return nil }
        do {
            try self.init(url: raw)
        } catch {
            throw ConfigurationProblem.invalid(key: ConfigurationKey.environmentName("redisUrl"), reason: "\(error)")
        }
    }

    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    /// Parses the URL; the error never repeats the password.
    public init(url: String) throws {
        guard let components = URLComponents(string: url), components.scheme == "redis", let host = components.host,
            !host.isEmpty
        else {
            throw Invalid(description: "not a redis://host[:port][/database] URL")
        }
        let path = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        guard path.isEmpty || Int(path).map({ $0 >= 0 }) == true else {
            throw Invalid(description: "the database must be a number, as in redis://host:6379/0")
        }
        self.init(
            host: host, port: components.port ?? 6379, username: components.user.flatMap { $0.isEmpty ? nil : $0 },
            password: components.password.flatMap { $0.isEmpty ? nil : $0.removingPercentEncoding },
            database: Int(path) ?? 0)
    }
}
