import ClipGenCore
import Foundation
import Persistence
import PersistencePostgres
import TestSupport
import Testing

/// Several servers in the database URL: the store writes to the one that accepts writes, and
/// after the primary is lost and its standby promoted, to the standby, without a restart.
@Suite struct PostgresFailoverTests {
    @Test func aURLNamesOneServerOrSeveral() throws {
        let pair = try PostgresServers(url: "postgres://u:p%40ss@db-a:5433,10.0.0.2,[::1]:6000/clips?sslmode=require")
        #expect(pair.addresses.map(\.description) == ["db-a:5433", "10.0.0.2:5432", "[::1]:6000"])
        #expect(pair.username == "u" && pair.password == "p@ss" && pair.database == "clips" && pair.requireTLS)
        #expect(
            pair.toolURL
                == "postgres://u@db-a:5433,10.0.0.2:5432,[::1]:6000/clips?sslmode=require&target_session_attrs=read-write",
            "libpq's form, without the password")
        let one = try PostgresServers(url: "postgresql://u@localhost/clips")
        #expect(one.addresses.map(\.description) == ["localhost:5432"] && one.password == nil && !one.requireTLS)
        #expect(one.toolURL == "postgres://u@localhost:5432/clips?sslmode=disable")
        for bad in [
            "postgres://u@a:5432,/clips", "postgres://u@a:x/clips", "postgres://u@a:70000/clips", "mysql://u@a/clips",
            "postgres://a:5432/clips", "postgres://u@a:5432", "postgres://u@a/clips?sslmode=verify-full",
        ] {
            #expect(throws: PostgresURLError.self, "\(bad)") { try PostgresServers(url: bad) }
        }
    }

    @Test(.enabled(if: TestServers.failoverPair != nil))
    func theStoreFollowsAPromotedStandby() async throws {
        let pair = try #require(TestServers.failoverPair)
        let servers = try PostgresServers(url: pair.url)
        // The standby is listed first: the store must find the primary by asking.
        let store = PostgresJobStore(servers: servers, timeout: .seconds(30), logger: .quiet("failover"))
        let standby = PostgresJobStore(
            configuration: servers.client(0), timeout: .seconds(30), logger: .quiet("failover"))
        // Reports from a read server: the standby; and from one that refuses every connection.
        var standbyOnly = servers
        standbyOnly.addresses = [servers.addresses[0]]
        let reporting = PostgresJobStore(
            servers: servers, reads: standbyOnly, timeout: .seconds(30), logger: .quiet("failover"))
        let refused = PostgresJobStore(
            servers: servers, reads: try PostgresServers(url: "postgres://\(servers.username)@127.0.0.1:1/clips"),
            timeout: .seconds(30), logger: .quiet("failover"))
        try await withTemporaryDirectory { dir in
            let log = dir + "/pg_ctl.log"
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await store.run() }
                group.addTask { try await standby.run() }
                group.addTask { try await reporting.run() }
                group.addTask { try await refused.run() }
                defer { group.cancelAll() }
                // Asking the servers and moving the pool takes a moment, a long one on a loaded machine.
                #expect(try await eventually(every: .seconds(1)) { (try? await store.prepare()) != nil })
                let organization = Organization(name: "failover", createdAt: Date())
                try await store.createOrganization(organization)
                func user(_ name: String) -> User {
                    User(
                        organizationId: organization.id, email: "\(name)@failover.test", passwordHash: "h",
                        role: .user, createdAt: Date())
                }
                let before = user("before")
                try await store.createUser(before)
                // Streaming replication is asynchronous: the row is on the standby before the primary goes.
                // Until the schema itself has arrived there, the standby answers "no such table".
                #expect(try await eventually { (try? await standby.user(id: before.id)) != nil })

                // What replication_lag_seconds{kind="database"} reads: the standby streams; a slot
                // whose standby is away counts as inactive.
                #expect(try await eventually { try await store.databaseReplication()?.streaming == 1 })
                let primary = servers.addresses[1]
                func onPrimary(_ sql: String) throws -> Shell.Result {
                    try Shell.run(
                        "env",
                        [
                            "PGPASSWORD=\(servers.password ?? "")", "psql", "-h", primary.host, "-p", "\(primary.port)",
                            "-U", servers.username, "-d", servers.database, "-tAc", sql,
                        ])
                }
                #expect(
                    try onPrimary("SELECT pg_create_physical_replication_slot('failover_test_away', true)").status == 0)
                let away = try await store.databaseReplication()
                #expect(away?.inactiveSlots == 1 && away.map { $0.lagSeconds >= 0 && $0.lagBytes >= 0 } == true)
                #expect(try onPrimary("SELECT pg_drop_replication_slot('failover_test_away')").status == 0)
                #expect(try await store.databaseReplication()?.inactiveSlots == 0)

                // A read server that refuses: the primary answers the report.
                #expect(try await refused.queueStatistics() == [])

                // While the primary lives, promoting would make two: refused.
                await #expect(throws: PostgresPromotion.Failure.primaryAlive("\(servers.addresses[1])")) {
                    _ = try await PostgresPromotion.promote(servers, logger: .quiet("failover"))
                }
                try #require(try Shell.control(pair.kill, log: log), "\(String.contentsOrEmpty(log))")
                await #expect(throws: StoreError.unavailable) { try await store.createUser(user("lost")) }
                // With the primary gone, reports still come from the read server.
                #expect(try await reporting.queueStatistics() == [])
                #expect(try await reporting.storedBytes() == 0)

                // `clipgen admin promote`'s promotion.
                #expect(
                    try await PostgresPromotion.promote(servers, logger: .quiet("failover")) == servers.addresses[0])
                let after = user("after")
                #expect(
                    try await eventually { (try? await store.createUser(after)) != nil },
                    "writes go to the promoted standby")
                #expect(try await store.user(id: before.id)?.email == before.email)
                #expect(try await standby.user(id: after.id)?.email == after.email, "written on the standby")
            }
        }
    }
}

extension String {
    /// A file's text, or "" when it cannot be read: for a failure's message.
    static func contentsOrEmpty(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }
}
