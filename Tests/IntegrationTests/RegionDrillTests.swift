import Crypto
import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOSSL
import Synchronization
import TestSupport
import Testing

/// The failover drill (`deploy/regions.sh`, synchronous replication): two regions, organisations
/// homed in each, 20 jobs; every process of region a is killed with SIGKILL mid-render and b is
/// promoted. Every clip that was ready at the kill downloads from b with its recorded SHA-256
/// (RPO: none lost), every job finishes in b, a's tokens, API keys and passwords work in b, and
/// nothing is stored or announced twice. Prints the RPO and the RTO (kill to the first write
/// accepted in b). Webhooks and event sockets carry on from b without repeating what was
/// delivered before the kill.
@Suite(.serialized, .enabled(if: clusterToolsPresent || TestServers.isCI)) struct RegionDrillTests {
    static let operatorToken = String(repeating: "o", count: 40)

    struct Regions {
        let directory: String
        let environment: [String: String]
        var settings: [String: String] = [:]

        func run(_ arguments: String...) throws -> Shell.Result {
            try Shell.run(
                "env",
                environment.map { "\($0.key)=\($0.value)" } + [TestMedia.repositoryRoot + "/deploy/regions.sh"]
                    + arguments)
        }

        func url(_ region: String) -> String { settings["CLIPGEN_URL_\(region.uppercased())"] ?? "" }

        func call(
            _ region: String, _ path: String, method: String = "GET", token: String? = nil, json: String? = nil,
            file: String? = nil, output: String? = nil
        ) throws -> Curl.Reply {
            try Curl.call(
                url(region) + path, method: method, token: token, json: json, file: file, output: output,
                caCert: settings["CLIPGEN_CA_CERT_\(region.uppercased())"])
        }

        /// A query on region `region`'s PostgreSQL (the primary or the standby).
        func sql(_ region: String, _ query: String) throws -> [String] {
            let result = try Shell.run(
                "psql",
                [
                    "-h", "127.0.0.1", "-p", settings["\(region)_PG_PORT"] ?? "", "-U", "clipgen", "-d", "clipgen",
                    "-tAc", query,
                ])
            return String(decoding: result.stdout, as: UTF8.self).split(separator: "\n").map(String.init)
        }

        func pid(_ path: String) -> Int32? {
            (try? String(contentsOfFile: "\(directory)/\(path)", encoding: .utf8)).flatMap {
                Int32($0.split(separator: "\n").first?.trimmingCharacters(in: .whitespaces) ?? "")
            }
        }
    }

    /// A client of `GET /v1/events` as a dashboard would be: on the first URL that takes it,
    /// reconnecting (to the next URL when one refuses) whenever its socket ends, keeping every
    /// message it was sent and every close the server sent.
    final class EventRecorder: Sendable {
        struct State {
            var messages: [String] = []
            var closes: [String] = []
            var opened: [String] = []
        }
        let state = Mutex(State())

        func record(_ urls: [String], token: String, caCerts: [String]) async {
            var logger = Logger(label: "region-drill-events")
            logger.logLevel = .critical
            var attempt = 0
            while !Task.isCancelled {
                let index = attempt % urls.count
                attempt += 1
                guard let roots = try? NIOSSLCertificate.fromPEMFile(caCerts[index]) else { return }
                var tls = TLSConfiguration.makeClientConfiguration()
                tls.trustRoots = .certificates(roots)
                // By name: TLS's server name (SNI) cannot be an address; the certificate has both.
                let url =
                    urls[index].replacingOccurrences(of: "https://127.0.0.1", with: "wss://localhost") + "/v1/events"
                do {
                    let close = try await WebSocketClient.connect(
                        url: url, configuration: .init(additionalHeaders: [.authorization: "Bearer \(token)"]),
                        tlsConfiguration: tls, logger: logger
                    ) { inbound, _, _ in
                        self.state.withLock { $0.opened.append(urls[index]) }
                        for try await message in inbound.messages(maxSize: 1 << 20) {
                            if case .text(let text) = message { self.state.withLock { $0.messages.append(text) } }
                        }
                    }
                    if let close {
                        self.state.withLock { $0.closes.append("\(close.closeCode) \(close.reason ?? "")") }
                    }
                } catch {
                    // Refused or reset: the region is down; the next URL, shortly.
                }
                try? await Task.sleep(for: .milliseconds(200))
            }
        }

        var messages: [[String: Any]] {
            state.withLock { $0.messages }.compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }

        /// The job's terminal status, once it came.
        func finished(_ job: String) -> Bool {
            messages.contains {
                $0["jobId"] as? String == job && $0["type"] as? String == "status"
                    && ["succeeded", "failed", "cancelled"].contains($0["status"] as? String ?? "")
            }
        }

        /// What came more than once: a clip announced twice, a job ending twice.
        var repeated: [String] {
            var seen: [String: Int] = [:]
            for message in messages {
                let job = message["jobId"] as? String ?? ""
                switch message["type"] as? String {
                case "clip":
                    let clip = message["clip"] as? [String: Any]
                    seen["\(job) clip \(clip?["index"] as? Int ?? -1)", default: 0] += 1
                case "status" where ["succeeded", "failed", "cancelled"].contains(message["status"] as? String ?? ""):
                    seen["\(job) \(message["status"] as? String ?? "")", default: 0] += 1
                default: break
                }
            }
            return seen.filter { $0.value > 1 }.map(\.key).sorted()
        }
    }

    @Test func regionALostMidRenderLosesNoReadyClipAndItsWorkFinishesInB() async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        try await withTemporaryDirectory { dir in
            try await WebhookDeliveryTests.withReceiver(failures: 0, in: dir) { port, _, received in
                try await drill(source: source, dir: dir, webhooks: (port, received))
            }
        }
    }

    func drill(source: String, dir: String, webhooks: (port: Int, log: String)) async throws {
        var regions = Regions(
            directory: dir + "/regions",
            environment: [
                "CLIPGEN_REGIONS_DIR": dir + "/regions", "CLIPGEN_BIN": TestMediaPaths.clipgen,
                "CLIPGEN_REPLICATION": "sync", "CLIPGEN_OPERATOR_TOKEN": Self.operatorToken,
                "CLIPGEN_BCRYPT_COST": "4", "CLIPGEN_LOG_LEVEL": "notice", "CLIPGEN_POLL_SECONDS": "0.2",
                "CLIPGEN_HEARTBEAT_SECONDS": "0.5", "CLIPGEN_LEASE_SECONDS": "3",
                "CLIPGEN_RETRY_BASE_SECONDS": "0.2", "CLIPGEN_MAX_ATTEMPTS": "6",
                "CLIPGEN_REGION_TAKEOVER_SECONDS": "3", "CLIPGEN_ALLOW_PRIVATE_NETWORKS": "127.0.0.0/8",
                "CLIPGEN_WEBHOOK_RETRY_BASE_SECONDS": "0.5",
                // Sockets recheck their credentials during the outage, not once it is over.
                "CLIPGEN_WEB_SOCKET_RECHECK_SECONDS": "0.5",
            ])
        defer { _ = try? regions.run("down") }
        let up = try regions.run("up")
        try #require(up.status == 0, "\(up.stderr)")
        regions.settings = keyValues(String(decoding: up.stdout, as: UTF8.self))
        for region in ["a", "b"] {
            regions.settings["\(region)_PG_PORT"] =
                keyValues(
                    try String(contentsOfFile: "\(dir)/regions/\(region)/cluster.env", encoding: .utf8))["PG_PORT"]
        }
        let status = String(decoding: try regions.run("status").stdout, as: UTF8.self)
        #expect(status.contains("writable region: a (replication sync)"), "\(status)")
        #expect(status.contains("database standby: region_b streaming"), "\(status)")
        #expect(
            !status.contains("stopped") && status.components(separatedBy: " running ").count - 1 == 14, "\(status)")

        // An organisation homed in each region, signed in at home; a's admin makes an API key.
        let adminPassword = try #require(regions.settings["CLIPGEN_ADMIN_PASSWORD"])
        let tokenA = try #require(
            try Curl.signIn(
                regions.url("a"), password: adminPassword, caCert: regions.settings["CLIPGEN_CA_CERT_A"]))
        let made = try regions.call(
            "a", "/v1/organizations", method: "POST", token: Self.operatorToken,
            json:
                #"{"name":"homed in b","adminEmail":"b@x.test","adminPassword":"password-of-b-1","homeRegion":"b"}"#
        )
        #expect(made.status == 201, "\(made)")
        let tokenB = try #require(
            try Curl.signIn(
                regions.url("b"), password: "password-of-b-1", email: "b@x.test",
                caCert: regions.settings["CLIPGEN_CA_CERT_B"]))
        let key = try #require(
            try regions.call("a", "/v1/api-keys", method: "POST", token: tokenA, json: #"{"name":"drill"}"#).json[
                "key"]
                as? String)
        // A write for b's organisation sent to a goes home.
        #expect(try regions.call("a", "/v1/uploads", method: "POST", token: tokenB, file: source).status == 307)
        let uploadA = try #require(
            try regions.call("a", "/v1/uploads", method: "POST", token: tokenA, file: source).json["id"] as? String)
        let uploadB = try #require(
            try regions.call("b", "/v1/uploads", method: "POST", token: tokenB, file: source).json["id"] as? String)

        // A dashboard for each organisation: b's on b; a's on a, and on b once a is gone.
        let (urlA, urlB) = (regions.url("a"), regions.url("b"))
        let caCerts = [regions.settings["CLIPGEN_CA_CERT_A"] ?? "", regions.settings["CLIPGEN_CA_CERT_B"] ?? ""]
        let (eventsA, eventsB) = (EventRecorder(), EventRecorder())
        let dashboards = [
            Task { await eventsA.record([urlA, urlB], token: tokenA, caCerts: caCerts) },
            Task { await eventsB.record([urlB], token: tokenB, caCerts: [caCerts[1]]) },
        ]
        defer { for dashboard in dashboards { dashboard.cancel() } }
        #expect(
            try await eventually {
                !eventsA.state.withLock(\.opened).isEmpty && !eventsB.state.withLock(\.opened).isEmpty
            },
            "both dashboards connected")

        // 20 jobs, ten at home in each region, each with a webhook.
        var jobs: [(region: String, token: String, id: String)] = []
        for index in 0..<20 {
            let (region, token, upload) = index % 2 == 0 ? ("a", tokenA, uploadA) : ("b", tokenB, uploadB)
            let body = #"""
                {"source":{"uploadId":"\#(upload)"},"output":{"mode":"exact","height":144},\#
                "clips":[{"start":\#(index % 8),"end":\#(index % 8 + 2)}],\#
                "webhookUrl":"http://127.0.0.1:\#(webhooks.port)/hooks/drill"}
                """#
            let created = try regions.call(region, "/v1/jobs", method: "POST", token: token, json: body)
            #expect(created.status == 202, "\(created)")
            jobs += [(created.json["id"] as? String).map { (region, token, $0) }].compactMap { $0 }
        }
        #expect(jobs.count == 20)

        // Mid-render: some of a's clips ready, some of its jobs still to come.
        #expect(
            try await eventually(timeout: .seconds(600), every: .milliseconds(200)) {
                let ready =
                    Int(
                        try regions.sql(
                            "a",
                            "SELECT COUNT(*) FROM clips c JOIN jobs j ON j.id = c.job_id JOIN organizations o ON o.id = j.organization_id WHERE o.home_region = 'a'"
                        ).first ?? "") ?? 0
                return ready >= 2
            }, "two of region a's clips ready")
        let killedAt = ContinuousClock.now
        for path in [
            "a/api-1/clipgen.pid", "a/api-2/clipgen.pid", "a/worker-1/clipgen.pid", "a/nginx/nginx.pid",
            "a/s3/weed.pid", "a/redis/redis.pid",
        ] {
            // The process group: each was started in a session of its own, nginx with its workers.
            if let pid = regions.pid(path) {
                kill(-pid, SIGKILL)
                kill(pid, SIGKILL)
            }
        }
        if let postmaster = regions.pid("a/postgres/postmaster.pid") { kill(postmaster, SIGKILL) }
        // What was ready at the kill: committed with synchronous_commit=remote_apply, so on b's standby.
        let ready = try regions.sql("b", "SELECT id || ' ' || sha256 FROM clips ORDER BY id").map {
            $0.split(separator: " ").map(String.init)
        }
        let unfinished = Set(
            try regions.sql("b", "SELECT id FROM jobs WHERE status NOT IN ('succeeded', 'failed', 'cancelled')"))
        // Webhooks recorded as delivered by then are not to come again.
        let deliveredAtKill = Set(try regions.sql("b", "SELECT id FROM webhook_deliveries WHERE state = 'delivered'"))
        let receivedAtKill = WebhookDeliveryTests.received(webhooks.log).count
        #expect(
            ready.count >= 2 && !unfinished.isEmpty,
            "\(ready.count) ready, \(unfinished.count) unfinished at the kill")

        let failover = try regions.run("failover")
        try #require(failover.status == 0, "\(failover.stderr)")
        // RTO: the kill to the first write accepted in b.
        let probe =
            #"{"source":{"uploadId":"\#(uploadB)"},"output":{"mode":"exact","height":144},"clips":[{"start":0,"end":1}]}"#
        var rto = Duration.zero
        var afterFailover: [String] = []
        #expect(
            try await eventually(timeout: .seconds(600), every: .milliseconds(100)) {
                let created = try regions.call("b", "/v1/jobs", method: "POST", token: tokenB, json: probe)
                guard created.status == 202, let id = created.json["id"] as? String else { return false }
                rto = ContinuousClock.now - killedAt
                afterFailover.append(id)
                return true
            }, "b accepts writes")
        #expect(
            try await eventually { eventsA.state.withLock(\.opened).contains(urlB) }, "a's dashboard reconnected to b")
        // a's organisation writes in b once a has had no live worker for the takeover time.
        let probeA =
            #"{"source":{"uploadId":"\#(uploadA)"},"output":{"mode":"exact","height":144},"clips":[{"start":0,"end":1}]}"#
        #expect(
            try await eventually(timeout: .seconds(600), every: .milliseconds(200)) {
                let created = try regions.call("b", "/v1/jobs", method: "POST", token: tokenA, json: probeA)
                guard created.status == 202, let id = created.json["id"] as? String else { return false }
                afterFailover.append(id)
                return true
            }, "b takes region a's writes")

        // Every job finishes in b, those running in a at the kill included.
        var finished: [String: String] = [:]
        let all = jobs.map { ($0.token, $0.id) } + [(tokenB, afterFailover[0]), (tokenA, afterFailover[1])]
        #expect(
            try await eventually(timeout: .seconds(600), every: .seconds(1)) {
                for (token, id) in all where finished[id] == nil {
                    if let status = try regions.call("b", "/v1/jobs/\(id)", token: token).json["status"] as? String,
                        ["succeeded", "failed", "cancelled"].contains(status)
                    {
                        finished[id] = status
                    }
                }
                return finished.count == all.count
            }, "\(finished.count) of \(all.count) jobs finished")
        var failures: [String] = []
        for (token, id) in all where finished[id] != "succeeded" {
            let job = try regions.call("b", "/v1/jobs/\(id)", token: token).json
            failures.append("\(id) \(finished[id] ?? "?"): \(job["error"] ?? "no error")")
        }
        #expect(failures.isEmpty, "\(failures)")

        // Each job's webhook: delivered, once a delivery was recorded; one delivery per job.
        #expect(
            try await eventually(timeout: .seconds(600), every: .seconds(1)) {
                try regions.sql("b", "SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'delivered'").first
                    == "\(jobs.count)"
            }, "every job's webhook delivered")
        #expect(
            try regions.sql(
                "b", "SELECT COUNT(*) FROM (SELECT job_id FROM webhook_deliveries GROUP BY 1 HAVING COUNT(*) > 1) d"
            ).first == "0")
        let hooks = WebhookDeliveryTests.received(webhooks.log)
        let again = hooks.dropFirst(receivedAtKill).compactMap { $0["delivery"] as? String }.filter {
            deliveredAtKill.contains($0)
        }
        #expect(again.isEmpty, "delivered before the kill and sent again after it: \(again)")
        let answered = Set(
            hooks.filter { $0["status"] as? Int == 204 }.compactMap {
                ($0["body"] as? [String: Any])?["jobId"] as? String
            })
        #expect(answered == Set(jobs.map(\.id)), "\(jobs.count - answered.count) jobs without a delivered webhook")

        // The dashboards: b's stayed open through the failover (a database that cannot answer
        // for a moment is no reason to send its user to sign in again), both saw work finish
        // in b, and neither was told anything twice.
        #expect(
            try await eventually { eventsB.finished(afterFailover[0]) && eventsA.finished(afterFailover[1]) },
            "the dashboards saw the jobs written after the failover finish")
        #expect(
            eventsB.state.withLock { $0.opened.count == 1 && $0.closes.isEmpty }, "\(eventsB.state.withLock(\.closes))")
        #expect(eventsA.repeated.isEmpty && eventsB.repeated.isEmpty, "\(eventsA.repeated) \(eventsB.repeated)")

        // RPO: every clip ready at the kill downloads from b, byte for byte.
        var lost: [String] = []
        for clip in ready {
            let owner = try regions.sql(
                "b",
                "SELECT o.home_region FROM clips c JOIN jobs j ON j.id = c.job_id JOIN organizations o ON o.id = j.organization_id WHERE c.id = '\(clip[0])'"
            ).first
            let file = dir + "/clip-\(clip[0])"
            let reply = try regions.call(
                "b", "/v1/clips/\(clip[0])/content", token: owner == "b" ? tokenB : tokenA, output: file)
            let bytes = (try? Data(contentsOf: URL(fileURLWithPath: file))) ?? Data()
            let digest = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
            if reply.status != 200 || digest != clip[1] { lost.append(clip[0]) }
        }
        #expect(lost.isEmpty, "ready at the kill, not in b: \(lost)")

        // What a issued works in b: its token, its API key, its passwords.
        #expect(try regions.call("b", "/v1/me", token: tokenA).status == 200)
        #expect(try regions.call("b", "/v1/me", token: key).status == 200)
        #expect(
            try Curl.signIn(
                regions.url("b"), password: adminPassword, caCert: regions.settings["CLIPGEN_CA_CERT_B"]) != nil)

        // Nothing twice: one clip per job, each announced once, each terminal event once.
        #expect(try regions.sql("b", "SELECT COUNT(*) FROM clips").first == "\(all.count)")
        #expect(
            try regions.sql(
                "b", "SELECT COUNT(*) FROM (SELECT job_id, idx FROM clips GROUP BY 1, 2 HAVING COUNT(*) > 1) d"
            )
            .first == "0")
        #expect(
            try regions.sql(
                "b",
                """
                SELECT COUNT(*) FROM (SELECT job_id, body::json->'clip'->>'index' FROM events WHERE
                    body::json->>'type' = 'clip' GROUP BY 1, 2 HAVING COUNT(*) > 1) d
                """
            ).first == "0")
        let terminal = try regions.sql(
            "b",
            """
            SELECT job_id, COUNT(*) FROM events WHERE body::json->>'type' = 'status'
                AND body::json->>'status' IN ('succeeded', 'failed', 'cancelled') GROUP BY job_id
            """)
        #expect(terminal.count == all.count && terminal.allSatisfy { $0.hasSuffix("|1") }, "\(terminal)")

        let seconds = Double(rto.components.seconds) + Double(rto.components.attoseconds) / 1e18
        print(
            "region drill: RPO \(lost.count) of \(ready.count) ready clips lost; RTO \(String(format: "%.1f", seconds)) s "
                + "(kill to the first write accepted in b); \(unfinished.count) jobs unfinished at the kill finished in b"
        )
        #expect(try regions.run("down").status == 0)
    }
}
