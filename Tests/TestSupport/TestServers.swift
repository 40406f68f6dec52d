import Foundation
import Logging
import PersistencePostgres
import PostgresNIO
import Synchronization

/// The servers the README's test command starts (`scripts/with-test-servers.sh`) and names in
/// the environment. Under `CI=true` a missing one fails the suite that needs it (see
/// `TestServersTests`), so a test can never pass by not running.
public enum TestServers {
    /// `postgres://user@127.0.0.1:port/postgres`, a superuser on a server of the tests' own.
    public static let postgresURL = ProcessInfo.processInfo.environment["CLIPGEN_TEST_POSTGRES_URL"].flatMap {
        $0.isEmpty ? nil : $0
    }

    /// A second server that one test stops and starts again, with the shell commands that do it.
    public static let outage = stoppable("CLIPGEN_TEST_POSTGRES_OUTAGE")

    /// A primary and its streaming standby, both in `url` (the standby first), with the shell
    /// command that loses the primary (an immediate stop, as in a crash); the standby is promoted
    /// as `clipgen admin promote` does it.
    public static let failoverPair: (url: String, kill: String)? = {
        let environment = ProcessInfo.processInfo.environment
        guard let url = environment["CLIPGEN_TEST_POSTGRES_PAIR_URL"], !url.isEmpty,
            let kill = environment["CLIPGEN_TEST_POSTGRES_PAIR_KILL"]
        else { return nil }
        return (url, kill)
    }()

    /// SeaweedFS's S3 gateway with one identity, which checks SigV4 signatures.
    public static let s3: (endpoint: URL, accessKey: String, secretKey: String)? = {
        let environment = ProcessInfo.processInfo.environment
        guard let endpoint = environment["CLIPGEN_TEST_S3_ENDPOINT"].flatMap(URL.init(string:)),
            let accessKey = environment["CLIPGEN_TEST_S3_ACCESS_KEY"],
            let secretKey = environment["CLIPGEN_TEST_S3_SECRET_KEY"]
        else { return nil }
        return (endpoint, accessKey, secretKey)
    }()

    /// `redis://127.0.0.1:port`, shared by the suites (tests use keys and channels of their own).
    public static let redisURL = ProcessInfo.processInfo.environment["CLIPGEN_TEST_REDIS_URL"].flatMap {
        $0.isEmpty ? nil : $0
    }

    /// A second Redis that one test stops and starts again under a live API, with the shell commands that do it.
    public static let redisOutage = stoppable("CLIPGEN_TEST_REDIS_OUTAGE")

    /// A third Redis, restarted under a publisher by another test running at the same time.
    public static let redisRestart = stoppable("CLIPGEN_TEST_REDIS_RESTART")

    /// A name no other test uses, valid as a bucket name or a key prefix.
    public static func uniqueName() -> String {
        "t-\(getpid())-\(counter.add(1, ordering: .relaxed).newValue)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// `PREFIX_URL` with the shell commands `PREFIX_STOP` and `PREFIX_START`, when all are set.
    private static func stoppable(_ prefix: String) -> (url: String, stop: String, start: String)? {
        let environment = ProcessInfo.processInfo.environment
        guard let url = environment[prefix + "_URL"], let stop = environment[prefix + "_STOP"],
            let start = environment[prefix + "_START"],
            !url.isEmpty
        else { return nil }
        return (url, stop, start)
    }

    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    private static let counter = Atomic<Int>(0)

    /// A new, empty database on the test server, for one test (tests run in parallel and must not
    /// see each other's rows): its `postgres://` URL.
    public static func freshPostgresDatabase(on server: String? = postgresURL) async throws -> String {
        guard let url = server, var components = URLComponents(string: url) else {
            throw TestServerMissing(name: "PostgreSQL")
        }
        let name =
            "t_\(getpid())_\(counter.add(1, ordering: .relaxed).newValue)_\(UUID().uuidString.prefix(8).lowercased())"
        let logger = Logger(label: "test-servers")
        let admin = try PostgresJobStore.configuration(url: url)
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                host: admin.host ?? "127.0.0.1", port: admin.port ?? 5432, username: admin.username,
                password: admin.password,
                database: admin.database, tls: .disable),
            id: 1, logger: logger)
        do {
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
        components.path = "/" + name
        return components.string!
    }
}

public struct TestServerMissing: Error, CustomStringConvertible {
    public var name: String
    public init(name: String) { self.name = name }
    public var description: String {
        "\(name) is not running: run the tests through `make test` (scripts/with-test-servers.sh starts it)"
    }
}
