import ClipGenCore
import Foundation
import HummingbirdTesting
import RedisSupport
import Server
import TestSupport
import Testing

/// PostgreSQL (or Redis) really stopped under a running API: requests get a quick 503 problem+json (not a
/// hang, not a 500), `/readyz` says the database is down, and everything answers again once
/// the database is back, without restarting ClipGen.
@Suite(.serialized) struct DatabaseOutageTests {
    @Test(.enabled(if: TestServers.outage != nil))
    func withPostgreSQLStoppedTheAPIAnswers503AndRecovers() async throws {
        let outage = try #require(TestServers.outage)
        let url = try await TestServers.freshPostgresDatabase(on: outage.url)
        try await withTemporaryDirectory { dir in
            var configuration = ServerHarness.configuration(dataDir: dir + "/data", workers: false)
            configuration.databaseURL = url
            let application = try await buildApplication(
                configuration: configuration, metrics: ProcessMetrics(), logger: ServerHarness.logger)
            try await application.test(.live) { raw in
                let client = try await ServerHarness.Client.signIn(raw)
                // Through `send`: a hang guard, not the test client's 20 s, which a request waiting
                // out the store's deadline on two loaded cores can pass.
                func jobs() async throws -> (
                    status: Int, contentType: String?, retryAfter: String?, body: [String: Any]
                ) {
                    let (status, headers, body) = try await client.send("/v1/jobs", method: .get)
                    return (
                        status.code, headers[.contentType], headers[.retryAfter],
                        (try? ServerHarness.Client.object(body)) ?? [:]
                    )
                }
                #expect(try await jobs().status == 200)

                // Every descriptor but the log closed first: a started postmaster would otherwise inherit
                // the ones Foundation watches to see the child end, and the call would never return.
                let log = dir + "/pg_ctl.log"
                func control(_ command: String) throws -> Bool { try Shell.control(command, log: log) }
                defer { _ = try? control(outage.start) }
                try #require(try control(outage.stop), "\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
                let asked = ContinuousClock.now
                let down = try await jobs()
                #expect(
                    ContinuousClock.now - asked < .seconds(120), "answered, not hung (a hang guard, not a speed bound)")
                #expect(
                    down.status == 503 && down.contentType == "application/problem+json" && down.retryAfter == "5",
                    "\(down)")
                #expect((down.body["detail"] as? String)?.contains("database") == true, "\(down.body)")
                let readyz = try await client.send("/readyz", method: .get, headers: [:])
                let ready = (readyz.status.code, (try? ServerHarness.Client.object(readyz.body)) ?? [:])
                let database = (ready.1["dependencies"] as? [String: Any])?["database"] as? [String: Any]
                #expect(ready.0 == 503 && ready.1["status"] as? String == "unavailable", "\(ready.1)")
                #expect(
                    database?["state"] as? String == "down" && database?["kind"] as? String == "postgresql",
                    "\(ready.1)")

                try #require(try control(outage.start), "\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
                #expect(
                    try await eventually(every: .milliseconds(250)) { try await jobs().status == 200 },
                    "the API answers again once the database is back")
            }
        }
    }

    /// Redis stopped under a running API: the API keeps answering from the database, `/readyz`
    /// says it is degraded (the event bus down), and job events published meanwhile reach this
    /// replica's subscribers once Redis is back.
    @Test(.enabled(if: TestServers.redisOutage != nil))
    func withRedisStoppedTheAPIAnswersDegradedAndEventsFollowWhenItReturns() async throws {
        let outage = try #require(TestServers.redisOutage)
        try await withTemporaryDirectory { dir in
            var configuration = ServerHarness.configuration(dataDir: dir + "/data", workers: false)
            configuration.redis = try RedisConfiguration(url: outage.url)
            let application = try await buildApplication(
                configuration: configuration, metrics: ProcessMetrics(), logger: ServerHarness.logger)
            try await application.test(.live) { raw in
                let client = try await ServerHarness.Client.signIn(raw)
                func readiness() async throws -> (Int, String?, [String: Any]) {
                    let response = try await client.send("/readyz", method: .get, headers: [:])
                    let body = (try? ServerHarness.Client.object(response.body)) ?? [:]
                    return (
                        Int(response.status.code), body["status"] as? String,
                        (body["dependencies"] as? [String: Any]) ?? [:]
                    )
                }
                #expect(try await eventually { try await readiness().1 == "ready" })
                let log = dir + "/redis-control.log"
                defer { _ = try? Shell.control(outage.start, log: log) }
                try #require(try Shell.control(outage.stop, log: log))

                #expect(try await eventually { try await readiness().1 == "degraded" })
                let (status, _, dependencies) = try await readiness()
                #expect(status == 200)
                #expect((dependencies["eventBus"] as? [String: Any])?["state"] as? String == "down", "\(dependencies)")
                #expect((dependencies["database"] as? [String: Any])?["state"] as? String == "up", "\(dependencies)")
                let listed = try await raw.execute(uri: "/v1/jobs", method: .get, headers: client.headers) {
                    $0.status.code
                }
                #expect(listed == 200, "the API answers from the database")

                try #require(try Shell.control(outage.start, log: log))
                #expect(try await eventually { try await readiness().1 == "ready" })
            }
        }
    }
}
