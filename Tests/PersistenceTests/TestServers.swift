import Foundation
import Logging
import PostgresNIO
import PersistencePostgres
import Synchronization
import Testing

/// The servers the README's test command starts (`scripts/with-test-servers.sh`) and names in
/// the environment. Under `CI=true` a missing one fails the suite that needs it (see
/// `TestServersTests`), so a test can never pass by not running.
enum TestServers {
    /// `postgres://user@127.0.0.1:port/postgres`, a superuser on a server of the tests' own.
    static let postgresURL = ProcessInfo.processInfo.environment["CLIPGEN_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }

    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    private static let counter = Atomic<Int>(0)

    /// A new, empty database on the test server, for one test: tests run in parallel and must
    /// not see each other's rows.
    static func freshPostgresDatabase() async throws -> PostgresClient.Configuration {
        guard let url = postgresURL else { throw TestServerMissing(name: "PostgreSQL") }
        let admin = try PostgresJobStore.configuration(url: url)
        let name = "t_\(getpid())_\(counter.add(1, ordering: .relaxed).newValue)_\(UUID().uuidString.prefix(8).lowercased())"
        let connection = try await PostgresConnection.connect(
            configuration: .init(host: admin.host ?? "127.0.0.1", port: admin.port ?? 5432, username: admin.username,
                                 password: admin.password, database: admin.database, tls: .disable),
            id: 1, logger: Logger(label: "test-servers"))
        do {
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: Logger(label: "test-servers"))
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
        var configuration = admin
        configuration.database = name
        return configuration
    }
}

struct TestServerMissing: Error, CustomStringConvertible {
    var name: String
    var description: String { "\(name) is not running: run the tests through `make test` (scripts/with-test-servers.sh starts it)" }
}

@Suite struct TestServersTests {
    /// In CI every backend is tested: a missing server is a failure, never a quietly shorter suite.
    @Test func everyServerTheSuitesNeedIsRunningInCI() {
        guard TestServers.isCI else { return }
        #expect(TestServers.postgresURL != nil, "\(TestServerMissing(name: "PostgreSQL"))")
        #expect(StoreBackend.all.map(\.name) == ["SQLite", "memory", "PostgreSQL"])
    }
}
