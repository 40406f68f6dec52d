import BlobStorageS3
import Foundation
import TestSupport
import Testing

/// What `deploy/cluster.sh` runs; setup.sh installs them, and CI must have them.
let clusterToolsPresent = ["nginx", "redis-server", "weed", "openssl", "psql"].allSatisfy {
    (try? Shell.run("bash", ["-c", "command -v \($0) || test -x /usr/sbin/\($0)"]).status) == 0
}

/// The local cluster (`deploy/cluster.sh`: PostgreSQL, Redis, SeaweedFS, two API replicas, two
/// workers, nginx with TLS) under fire: 40 jobs posted through nginx while one worker is killed
/// with SIGKILL five times, an API replica once, and Redis is restarted once. Every job
/// succeeds; the clips in S3 are exactly the clips in PostgreSQL; no clip was stored or
/// announced twice; each job's terminal event was written and delivered once.
@Suite(.serialized, .enabled(if: clusterToolsPresent || TestServers.isCI)) struct ClusterChaosTests {
    struct Cluster {
        let directory: String
        let environment: [String: String]
        var settings: [String: String] = [:]
        var url = "", caCert = "", password = ""

        func run(_ arguments: String...) throws -> Shell.Result {
            try Shell.run(
                "env",
                environment.map { "\($0.key)=\($0.value)" } + [TestMedia.repositoryRoot + "/deploy/cluster.sh"]
                    + arguments)
        }

        func pid(_ name: String) -> Int32? {
            (try? String(contentsOfFile: "\(directory)/\(name)", encoding: .utf8)).flatMap {
                Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }

        /// `curl` through nginx, checking its certificate against the cluster's own CA.
        func call(
            _ path: String, method: String = "GET", token: String? = nil, json: String? = nil, file: String? = nil
        ) throws -> Curl.Reply {
            try Curl.call(url + path, method: method, token: token, json: json, file: file, caCert: caCert)
        }

        func sql(_ query: String) throws -> [String] {
            let result = try Shell.run(
                "psql",
                ["-h", "127.0.0.1", "-p", settings["PG_PORT"] ?? "", "-U", "clipgen", "-d", "clipgen", "-tAc", query])
            return String(decoding: result.stdout, as: UTF8.self).split(separator: "\n").map(String.init)
        }
    }

    @Test func fortyJobsSurviveKilledWorkersAKilledReplicaAndARedisRestart() async throws {
        let clipSource = try await TestMedia.shared.path("gop2s.mp4")
        try await withTemporaryDirectory { dir in
            var cluster = Cluster(
                directory: dir + "/cluster",
                environment: [
                    "CLIPGEN_CLUSTER_DIR": dir + "/cluster", "CLIPGEN_BIN": TestMediaPaths.clipgen,
                    "CLIPGEN_BCRYPT_COST": "4", "CLIPGEN_LOG_LEVEL": "notice", "CLIPGEN_POLL_SECONDS": "0.2",
                    "CLIPGEN_HEARTBEAT_SECONDS": "0.5", "CLIPGEN_LEASE_SECONDS": "3",
                    "CLIPGEN_RETRY_BASE_SECONDS": "0.2",
                    // Five kills of a worker running two tasks each: a task may be caught more than once.
                    "CLIPGEN_MAX_ATTEMPTS": "6",
                ])
            defer { _ = try? cluster.run("down") }
            let up = try cluster.run("up")
            try #require(up.status == 0, "\(up.stderr)")
            cluster.settings = keyValues(String(decoding: up.stdout, as: UTF8.self)).merging(
                keyValues(try String(contentsOfFile: dir + "/cluster/cluster.env", encoding: .utf8))
            ) { $1 }
            cluster.url = try #require(cluster.settings["CLIPGEN_URL"])
            cluster.caCert = try #require(cluster.settings["CLIPGEN_CA_CERT"])
            let status = String(decoding: try cluster.run("status").stdout, as: UTF8.self)
            for role in ["postgres", "redis", "s3", "api", "worker", "nginx"] {
                #expect(status.contains("\n\(role) ") || status.hasPrefix("\(role) "), "\(status)")
            }
            #expect(!status.contains("stopped"), "\(status)")

            let signIn = try cluster.call(
                "/v1/auth/token", method: "POST",
                json:
                    #"""
                    {"email":"\#(cluster.settings["CLIPGEN_ADMIN_EMAIL"] ?? "")",\#
                    "password":"\#(cluster.settings["CLIPGEN_ADMIN_PASSWORD"] ?? "")"}
                    """#
            )
            let token = try #require(signIn.json["accessToken"] as? String, "\(signIn)")
            let upload = try #require(
                try cluster.call("/v1/uploads", method: "POST", token: token, file: clipSource).json["id"] as? String)

            // 40 jobs, round-robin over the replicas by nginx: ranges and highlights, every one rendered.
            var jobs: [String] = []
            for index in 0..<40 {
                let body =
                    index % 4 == 3
                    ? #"""
                    {"source":{"uploadId":"\#(upload)"},"output":{"mode":"exact","height":144},\#
                    "thumbnails":false,"highlights":{"count":1,"minDuration":2,"maxDuration":4}}
                    """#
                    : #"""
                    {"source":{"uploadId":"\#(upload)"},"output":{"mode":"exact","height":144},\#
                    "clips":[{"start":\#(index % 10),"end":\#(index % 10 + 2)}]}
                    """#
                let created = try cluster.call("/v1/jobs", method: "POST", token: token, json: body)
                #expect(created.status == 202, "\(created)")
                jobs += [created.json["id"] as? String].compactMap { $0 }
            }
            #expect(jobs.count == 40)

            // The chaos, while the jobs run: five worker kills, one replica kill, one Redis restart.
            for round in 1...5 {
                try await Task.sleep(for: .seconds(2))
                if let worker = cluster.pid("worker-1/clipgen.pid") { kill(worker, SIGKILL) }
                if round == 2, let api = cluster.pid("api-1/clipgen.pid") { kill(api, SIGKILL) }
                if round == 3, let redis = cluster.pid("redis/redis.pid") { kill(redis, SIGKILL) }
                // Polling through nginx goes on whatever is down.
                #expect(try cluster.call("/v1/jobs/\(jobs[round])", token: token).status == 200)
                try await Task.sleep(for: .seconds(1))
                let again = try cluster.run("up")
                #expect(again.status == 0, "\(again.stderr)")
            }

            var finished: [String: String] = [:]
            #expect(
                try await eventually(timeout: .seconds(420), every: .seconds(1)) {
                    for job in jobs where finished[job] == nil {
                        let reply = try cluster.call("/v1/jobs/\(job)", token: token)
                        if let status = reply.json["status"] as? String,
                            ["succeeded", "failed", "cancelled"].contains(status)
                        {
                            finished[job] = status
                        }
                    }
                    return finished.count == jobs.count
                }, "\(finished.count) of 40 jobs finished")
            #expect(finished.values.allSatisfy { $0 == "succeeded" }, "\(finished.filter { $0.value != "succeeded" })")

            // S3 holds exactly the clips (and posters) PostgreSQL knows, no more, no fewer.
            let recorded = Set(
                try cluster.sql(
                    "SELECT blob_key FROM clips UNION SELECT thumbnail_key FROM clips WHERE thumbnail_key IS NOT NULL"))
            var s3 = S3Configuration(
                endpoint: URL(string: "http://127.0.0.1:\(cluster.settings["S3_PORT"] ?? "")")!, bucket: "clipgen",
                accessKeyID: cluster.settings["S3_ACCESS_KEY"] ?? "",
                secretAccessKey: cluster.settings["S3_SECRET_KEY"] ?? "")
            s3.partSize = 8 << 20
            let stored = Set(try await S3BlobStore(configuration: s3).keys(startingWith: "clips/").map(\.rawValue))
            #expect(
                !recorded.isEmpty && stored == recorded,
                "in S3 only: \(stored.subtracting(recorded)); in PostgreSQL only: \(recorded.subtracting(stored))")
            // One clip per range or highlight: none stored twice by a retried render.
            #expect(try cluster.sql("SELECT COUNT(*) FROM clips").first == "40")
            #expect(
                try cluster.sql(
                    "SELECT COUNT(*) FROM (SELECT job_id, idx FROM clips GROUP BY job_id, idx HAVING COUNT(*) > 1) d"
                ).first == "0")
            // Each clip announced once, each job's terminal event written once and delivered.
            #expect(
                try cluster.sql(
                    """
                    SELECT COUNT(*) FROM (SELECT job_id, body::json->'clip'->>'index' FROM events WHERE
                        body::json->>'type' = 'clip'
                    GROUP BY 1, 2 HAVING COUNT(*) > 1) d
                    """
                ).first == "0")
            let terminal = try cluster.sql(
                """
                SELECT job_id, COUNT(*), COUNT(delivered_at) FROM events
                WHERE body::json->>'type' = 'status' AND body::json->>'status' IN ('succeeded', 'failed',
                    'cancelled') GROUP BY job_id
                """)
            #expect(terminal.count == 40 && terminal.allSatisfy { $0.hasSuffix("|1|1") }, "\(terminal)")
            // The kills landed on work in flight: some tasks ran again.
            #expect(Int(try cluster.sql("SELECT COUNT(*) FROM tasks WHERE attempts > 1").first ?? "") ?? 0 > 0)

            // `down` stops everything `up` started.
            #expect(try cluster.run("down").status == 0)
            let after = String(decoding: try cluster.run("status").stdout, as: UTF8.self)
            #expect(after.split(separator: "\n").count == 8 && !after.contains("running"), "\(after)")
        }
    }
}
