import Foundation
import TestSupport
import Testing

@testable import Server

/// What an operator sees of a real `clipgen serve` on PostgreSQL, Redis and S3 after real jobs:
/// every metric the dashboard and the alerts use, with its labels, moving as it should; JSON log
/// lines with the request's and the job's ids in the rotated log file; the analytics and quality
/// reports matching the jobs.
@Suite(
    .serialized,
    .enabled(
        if: (TestServers.postgresURL != nil && TestServers.redisURL != nil && TestServers.s3 != nil) || TestServers.isCI
    ))
struct OperationsTests {
    @Test func metricsLogsAndReportsFollowRealJobs() async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        let databaseURL = try await TestServers.freshPostgresDatabase()
        let s3 = try #require(TestServers.s3)
        let redis = try #require(TestServers.redisURL)
        try await withTemporaryDirectory { dir in
            let port = ClipGenProcess.freePort()
            let base = "http://127.0.0.1:\(port)"
            let log = dir + "/logs/clipgen.log"
            try FileManager.default.createDirectory(atPath: dir + "/logs", withIntermediateDirectories: true)
            let environment = [
                "CLIPGEN_DATA_DIR": dir + "/data", "CLIPGEN_DATABASE_URL": databaseURL, "CLIPGEN_REDIS_URL": redis,
                "CLIPGEN_S3_ENDPOINT": s3.endpoint.absoluteString, "CLIPGEN_S3_BUCKET": "clipgen-tests",
                "CLIPGEN_S3_KEY_PREFIX": TestServers.uniqueName() + "/", "CLIPGEN_S3_ACCESS_KEY_ID": s3.accessKey,
                "CLIPGEN_S3_SECRET_ACCESS_KEY": s3.secretKey,
                "CLIPGEN_ADMIN_PASSWORD": "operations-test", "CLIPGEN_BCRYPT_COST": "4", "CLIPGEN_POLL_SECONDS": "0.2",
                "CLIPGEN_METRICS_TOKEN": "scrape-me", "CLIPGEN_LOG_LEVEL": "info",
                "CLIPGEN_LOG_FILE": log, "CLIPGEN_LOG_MAX_BYTES": "16384", "CLIPGEN_LOG_FILES": "100",
                // 60 a minute in bursts of 10 per user or key: the job is polled under it, a flood is not.
                "CLIPGEN_RATE_LIMIT_PER_MINUTE": "60", "CLIPGEN_RATE_LIMIT_IP_PER_MINUTE": "0",
                // The webhook goes to a closed local port, once: a delivery that fails for good.
                "CLIPGEN_ALLOW_PRIVATE_NETWORKS": "127.0.0.0/8", "CLIPGEN_WEBHOOK_MAX_ATTEMPTS": "1",
            ]
            let server = try ClipGenProcess(
                ["serve", "--port", "\(port)"], environment: environment, log: dir + "/stderr.log")
            #expect(try await eventually { (try? Curl.call(base + "/healthz"))?.status == 200 }, "\(server.output)")
            func scrape() throws -> Scrape {
                let reply = try Curl.call(base + "/metrics", token: "scrape-me")
                #expect(reply.status == 200)
                return Scrape(String(decoding: reply.body, as: UTF8.self))
            }
            let before = try scrape()

            #expect(
                try Curl.call(
                    base + "/v1/auth/token", method: "POST",
                    json: #"{"email":"admin@localhost","password":"wrong-password!"}"#
                ).status == 401)
            let token = try #require(
                try Curl.signIn(base, password: "operations-test"))
            let upload = try #require(
                try Curl.call(base + "/v1/uploads", method: "POST", token: token, file: source).json["id"] as? String)
            let junkFile = dir + "/notes.mp4"
            try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: junkFile))
            let junk = try #require(
                try Curl.call(base + "/v1/uploads", method: "POST", token: token, file: junkFile).json["id"] as? String)
            let submitted = try Curl.call(
                base + "/v1/jobs", method: "POST", token: token,
                json: #"""
                    {"source":{"uploadId":"\#(upload)"},"output":{"mode":"exact"},"clips":[{"start":1,"end":4},
                        {"start":5,"end":7}],
                     "webhookUrl":"http://127.0.0.1:9/hook"}
                    """#, headers: ["X-Request-Id: ops-test-submit-1"])
            #expect(submitted.status == 202)
            let job = try #require(submitted.json["id"] as? String)
            let failing = try #require(
                try Curl.call(
                    base + "/v1/jobs", method: "POST", token: token,
                    json: #"{"source":{"uploadId":"\#(junk)"},"clips":[{"start":0,"end":1}]}"#
                ).json["id"] as? String)
            // A viewer's key: refused a write (an audited denial), then a flood past its bucket.
            let viewerKey = try #require(
                try Curl.call(
                    base + "/v1/api-keys", method: "POST", token: token,
                    json: #"{"name":"dashboards","role":"viewer"}"#
                ).json["key"] as? String)
            #expect(
                try Curl.call(
                    base + "/v1/jobs", method: "POST", token: viewerKey, json: #"{"source":{"uploadId":"\#(upload)"}}"#
                ).status == 403)
            let flood = try (0..<15).map { _ in try Curl.call(base + "/v1/me", token: viewerKey).status }
            #expect(flood.contains(429), "\(flood)")

            var states: [String: String] = [:]
            #expect(
                try await eventually(timeout: .seconds(180), every: .milliseconds(1500)) {
                    for id in [job, failing] {
                        states[id] = try Curl.call(base + "/v1/jobs/\(id)", token: token).json["status"] as? String
                    }
                    return states[job] == "succeeded" && states[failing] == "failed"
                }, "\(states)\n\(server.output)")
            let done = try Curl.call(base + "/v1/jobs/\(job)", token: token).json
            let clips = try #require(done["clips"] as? [[String: Any]])
            let clipSeconds = clips.compactMap { $0["duration"] as? Double }.reduce(0, +)
            let sourceSeconds = try #require((done["source"] as? [String: Any])?["duration"] as? Double)
            #expect(clips.count == 2)
            // The webhook's single attempt is made by the dispatcher after the job ends.
            #expect(
                try await eventually {
                    try scrape().value("webhook_deliveries_total", ["outcome": "failed"]) >= 1
                })

            // Metrics: present with the labels the dashboard and the alerts use, moved by what happened.
            let after = try scrape()
            func moved(_ name: String, _ labels: [String: String] = [:]) -> Double {
                after.value(name, labels) - before.value(name, labels)
            }
            #expect(moved("http_requests_total", ["method": "POST", "route": "/v1/jobs", "status": "202"]) == 2)
            #expect(moved("http_requests_total", ["method": "POST", "route": "/v1/auth/token", "status": "401"]) == 1)
            #expect(moved("http_requests_total", ["route": "/v1/jobs/{id}", "method": "GET", "status": "200"]) >= 2)
            #expect(
                after.series("http_requests_total").allSatisfy { !($0["route"] ?? "").contains(job) },
                "route templates, never ids")
            #expect(
                after.value("http_request_duration_seconds_count", ["method": "GET", "route": "/v1/jobs/{id}"]) >= 2)
            #expect(
                after.series("http_request_duration_seconds_bucket").contains {
                    $0["route"] == "/v1/uploads" && $0["le"] != nil
                })
            #expect(moved("jobs_total", ["status": "queued"]) == 2)
            #expect(moved("jobs_total", ["status": "succeeded"]) == 1 && moved("jobs_total", ["status": "failed"]) == 1)
            #expect(moved("error_total", ["code": "unsupported_media"]) >= 1)
            for stage in ["probe", "render", "quality"] {
                #expect(moved("processing_seconds_count", ["stage": stage]) >= 1, "\(stage)")
                #expect(
                    after.series("processing_seconds_bucket").contains { $0["stage"] == stage && $0["le"] == "+Inf" })
            }
            #expect(moved("processing_seconds_count", ["stage": "render"]) == 2)
            #expect(
                abs(moved("media_seconds_processed_total", ["stage": "render"]) - clipSeconds) < 0.01,
                "the clips' \(clipSeconds) s")
            #expect(
                abs(moved("media_seconds_processed_total", ["stage": "probe"]) - sourceSeconds) < 0.01,
                "the source's \(sourceSeconds) s")
            #expect(moved("clips_rendered_total", ["encoder": "libx264", "mode": "exact", "format": "mp4"]) == 2)
            #expect(
                after.value("queue_size", ["capability": "cpu"]) == 0
                    && after.value("queue_size", ["capability": "gpu"]) == 0)
            #expect(after.has("queue_oldest_task_age_seconds", ["capability": "cpu"]))
            #expect(
                after.value("workers_busy", ["capability": "cpu"]) == 0
                    && after.value("workers_idle", ["capability": "cpu"]) == 2)
            let stored =
                clips.compactMap { ($0["size"] as? NSNumber)?.doubleValue }.reduce(0, +)
                + Double(try Data(contentsOf: URL(fileURLWithPath: source)).count) + 4096
            #expect(after.value("storage_bytes") >= stored, "uploads and clips: \(stored) bytes at least")
            #expect(after.value("scratch_free_bytes") > 0)
            #expect(moved("login_failures_total", ["reason": "wrong_password"]) == 1)
            #expect(moved("rate_limit_rejections_total", ["scope": "principal"]) >= 1)
            #expect(
                moved("audit_events_total", ["outcome": "denied"]) == 1
                    && moved("audit_events_total", ["outcome": "success"]) >= 4)
            #expect(moved("webhook_deliveries_total", ["outcome": "failed"]) == 1)
            for (backend, operation) in [
                ("postgres", "claimTask"), ("postgres", "createJob"), ("s3", "GetObject"), ("s3", "PutObject"),
            ] {
                #expect(
                    moved("backend_request_duration_seconds_count", ["backend": backend, "operation": operation]) >= 1,
                    "\(backend) \(operation)")
            }
            #expect(
                after.series("backend_request_duration_seconds_count").contains { $0["backend"] == "redis" },
                "Redis calls are timed")
            #expect(after.has("worker_encoder", ["encoder": "libx264"]))

            // Every metric the dashboard and the alert rules read is one this service serves.
            let served = after.names
            let read = try OperationsTests.metricsReadByDeployFiles()
            #expect(
                Set(read.map(\.1)).isSuperset(of: [
                    "http_requests_total", "processing_seconds", "queue_oldest_task_age_seconds", "workers_busy",
                    "media_seconds_processed_total", "storage_bytes", "login_failures_total", "up",
                ]))
            // A labelled error counter is served from its first error on; whether one happened in
            // this run is up to the backends, so for those the code that counts them must exist.
            // So is the quota gauge, from the first lifecycle sweep that finds an organisation with a quota.
            let servedOnEvent = [
                "backend_errors_total": "Sources/Coordination/BackendCallMetrics.swift",
                "storage_quota_used_ratio": "Sources/API/APIMetrics.swift",
            ]
            for (file, name) in read where name != "up" {
                if let counter = servedOnEvent[name], !served.contains(name) {
                    let code = try String(contentsOfFile: TestMedia.repositoryRoot + "/" + counter, encoding: .utf8)
                    #expect(code.contains("label: \"\(name)\""), "\(file) reads \(name), which nothing records")
                } else {
                    #expect(served.contains(name), "\(file) reads \(name), which /metrics does not serve")
                }
            }

            // Reports, computed in PostgreSQL.
            let analytics = try Curl.call(base + "/v1/analytics/summary?groupBy=day", token: token).json
            let totals = try #require(analytics["totals"] as? [String: Any])
            #expect(totals["jobs"] as? [String: Int] == ["succeeded": 1, "failed": 1])
            #expect(totals["clips"] as? Int == 2)
            #expect(abs((totals["mediaMinutes"] as? Double ?? 0) - sourceSeconds / 60) < 1e-6)
            #expect(totals["failures"] as? [String: Int] == ["unsupported_media": 1])
            let stages = try #require(totals["processingSeconds"] as? [String: [String: Any]])
            #expect(stages["render"]?["count"] as? Int == 2 && stages["probe"]?["count"] as? Int == 1)
            #expect((analytics["buckets"] as? [[String: Any]])?.count == 1)
            let quality = try Curl.call(base + "/v1/quality/summary", token: token).json
            #expect(quality["clips"] as? Int == 2)
            #expect(
                ((quality["psnr"] as? [String: Any])?["count"] as? Int) == 2
                    && ((quality["ssim"] as? [String: Any])?["min"] as? Double ?? 0) > 0.9)
            let jobQuality = try Curl.call(base + "/v1/jobs/\(job)/quality?psnrBelow=100", token: token).json
            #expect(
                (jobQuality["belowThresholds"] as? [[String: Any]])?.count == 2, "every clip is under a PSNR of 100")

            #expect(await server.stop() == 0)

            // Logs: JSON lines in the rotated files, none over the size bound.
            let files = try FileManager.default.contentsOfDirectory(atPath: dir + "/logs").sorted()
            #expect(files.count > 1 && files.contains("clipgen.log") && files.contains("clipgen.log.1"), "\(files)")
            for file in files {
                let size = try #require(
                    try FileManager.default.attributesOfItem(atPath: dir + "/logs/" + file)[.size] as? Int)
                #expect(size <= 16384, "\(file): \(size) bytes")
            }
            let lines = try files.flatMap { file in
                try String(contentsOfFile: dir + "/logs/" + file, encoding: .utf8).split(separator: "\n").map { line in
                    try #require(
                        try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String], "\(line)")
                }
            }
            let access = try #require(
                lines.first { $0["stream"] == "access" && $0["request_id"] == "ops-test-submit-1" })
            #expect(
                access["http.method"] == "POST" && access["http.route"] == "/v1/jobs" && access["http.status"] == "202")
            #expect(
                access["org_id"] != nil && access["client.address"] == "127.0.0.1" && access["http.duration_ms"] != nil
                    && access["time"] != nil)
            let jobLines = lines.filter { $0["job_id"] == job }
            #expect(
                jobLines.contains {
                    $0["message"] == "task started" && $0["task_id"] != nil && $0["worker_id"] != nil
                        && $0["org_id"] == access["org_id"]
                })
            #expect(jobLines.contains { ($0["message"] ?? "").hasPrefix("task finished") })
            #expect(
                lines.contains { $0["stream"] == "audit" && $0["audit.outcome"] == "denied" && $0["request_id"] != nil }
            )
            #expect(lines.contains { $0["stream"] == "access" && $0["http.status"] == "429" })
            #expect(
                !lines.contains {
                    ($0["http.path"] ?? "").contains("access_token=") && !($0["http.path"] ?? "").contains("REDACTED")
                })
        }
    }

    /// Metric names in the expressions of the dashboard and the alert rules: identifiers that are
    /// not PromQL's own words, label names or strings; histogram series by their metric's name.
    static func metricsReadByDeployFiles() throws -> [(String, String)] {
        let root = TestMedia.repositoryRoot
        let dashboard =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: root + "/deploy/grafana/clipgen.json"))) as? [String: Any]
        let panels = dashboard?["panels"] as? [[String: Any]] ?? []
        var expressions = panels.flatMap {
            ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String }
        }.map { ("clipgen.json", $0) }
        let rules = try String(contentsOfFile: root + "/deploy/prometheus/clipgen-alerts.yml", encoding: .utf8)
        expressions += rules.split(separator: "\n").compactMap { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            return trimmed.hasPrefix("expr: ") ? ("clipgen-alerts.yml", String(trimmed.dropFirst(6))) : nil
        }
        #expect(expressions.count > 30)
        let words: Set<String> = [
            "sum", "max", "min", "avg", "count", "rate", "increase", "deriv", "histogram_quantile", "by", "without",
            "on", "unless",
            "and", "or", "ignoring", "group_left", "group_right", "predict_linear", "abs",
        ]
        var found: [(String, String)] = []
        for (file, expression) in expressions {
            var text = expression.replacingOccurrences(of: #"\{[^}]*\}"#, with: " ", options: .regularExpression)
            text = text.replacingOccurrences(
                of: #"\b(by|without|on|ignoring)\s*\([^)]*\)"#, with: " ", options: .regularExpression)
            text = text.replacingOccurrences(of: #"\[[^\]]*\]"#, with: " ", options: .regularExpression)
            for match in text.matches(of: /[a-z_][a-z0-9_]*/) {
                let name = String(match.output)
                guard !words.contains(name) else { continue }
                found.append(
                    (
                        file,
                        name.replacingOccurrences(of: #"_(bucket|sum|count)$"#, with: "", options: .regularExpression)
                    ))
            }
        }
        return found
    }
}

/// Prometheus' text format, parsed enough to read samples by name and labels.
struct Scrape {
    struct Sample {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    let samples: [Sample]
    /// Names from `# TYPE` lines (histograms by their base name).
    let names: Set<String>

    init(_ text: String) {
        var samples: [Sample] = []
        var names: Set<String> = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                names.insert(String(line.split(separator: " ")[2]))
                continue
            }
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "),
                let value = Double(line[line.index(after: space)...])
            else { continue }
            let series = line[..<space]
            let name = String(series.prefix { $0 != "{" })
            var labels: [String: String] = [:]
            for match in series.matches(of: /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/) {
                labels[String(match.output.1)] = String(match.output.2)
            }
            samples.append(Sample(name: name, labels: labels, value: value))
        }
        self.samples = samples
        self.names = names
    }

    /// The sum over series of `name` whose labels include `labels`; 0 when there are none.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double {
        samples.filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }
            .reduce(0) { $0 + $1.value }
    }

    func has(_ name: String, _ labels: [String: String] = [:]) -> Bool {
        samples.contains { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }
    }

    func series(_ name: String) -> [[String: String]] { samples.filter { $0.name == name }.map(\.labels) }
}
