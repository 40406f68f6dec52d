import Foundation
import TestSupport
import Testing

/// An alert from the shipped rules reaching someone through the shipped Alertmanager routing:
/// a live `clipgen serve --no-workers` with a job queued, Prometheus (Debian's) scraping it with
/// `deploy/prometheus/clipgen-alerts.yml`, Alertmanager (Debian's) with
/// `deploy/prometheus/alertmanager.yml`, and a local webhook receiver. Only what would make the
/// test wait minutes is changed in copies of the files: the alert's `for`, the grouping waits,
/// and the receivers' URLs (pointed at the local receiver).
@Suite(.serialized) struct AlertDeliveryTests {
    static let repository = TestMedia.repositoryRoot

    /// A webhook receiver: each POST's path and body appended to `file` as one JSON line.
    static let receiver = """
        import http.server, json, sys
        class Receiver(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                with open(sys.argv[2], "a") as out:
                    out.write(json.dumps({"path": self.path, "body": json.loads(body)}) + "\\n")
                self.send_response(200)
                self.end_headers()
            def log_message(self, *args):
                pass
        http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Receiver).serve_forever()
        """

    @Test func aQueueWithNoWorkerPagesTheOnCallReceiver() async throws {
        for tool in ["/usr/bin/prometheus", "/usr/bin/prometheus-alertmanager"] {
            try #require(
                FileManager.default.isExecutableFile(atPath: tool),
                "\(tool) is missing: run scripts/setup.sh (Debian packages prometheus, prometheus-alertmanager)")
        }
        try await withTemporaryDirectory { dir in
            let ports = (
                api: ClipGenProcess.freePort(), prometheus: ClipGenProcess.freePort(),
                alertmanager: ClipGenProcess.freePort(), receiver: ClipGenProcess.freePort()
            )
            let received = dir + "/received.jsonl"
            try Self.receiver.write(toFile: dir + "/receiver.py", atomically: true, encoding: .utf8)
            let receiver = try ClipGenProcess(
                [dir + "/receiver.py", "\(ports.receiver)", received], log: dir + "/receiver.log",
                executable: "/usr/bin/python3")
            let api = try ClipGenProcess(
                ["serve", "--no-workers", "--port", "\(ports.api)"],
                environment: [
                    "CLIPGEN_ADMIN_PASSWORD": "alert-delivery-tests", "CLIPGEN_BCRYPT_COST": "4",
                    "CLIPGEN_DATA_DIR": dir + "/data",
                ], log: dir + "/api.log")
            let base = "http://127.0.0.1:\(ports.api)"
            #expect(try await eventually { (try? Curl.call(base + "/healthz"))?.status == 200 }, "\(api.output)")

            // The shipped rules and routing, with the waits shortened and the receivers local.
            var rules = try String(
                contentsOfFile: Self.repository + "/deploy/prometheus/clipgen-alerts.yml", encoding: .utf8)
            let noWorkers = try #require(rules.range(of: "- alert: ClipGenNoWorkers"))
            let wait = try #require(rules.range(of: "for: 5m", range: noWorkers.upperBound..<rules.endIndex))
            rules.replaceSubrange(wait, with: "for: 0s")
            try rules.write(toFile: dir + "/clipgen-alerts.yml", atomically: true, encoding: .utf8)
            var routing = try String(
                contentsOfFile: Self.repository + "/deploy/prometheus/alertmanager.yml", encoding: .utf8)
            routing = routing.replacingOccurrences(
                of: "http://alert-receiver.example.com:9095", with: "http://127.0.0.1:\(ports.receiver)")
            for long in ["group_wait: 30s", "group_wait: 10s"] {
                routing = routing.replacingOccurrences(of: long, with: "group_wait: 1s")
            }
            try routing.write(toFile: dir + "/alertmanager.yml", atomically: true, encoding: .utf8)
            try """
            global: {scrape_interval: 1s, evaluation_interval: 1s}
            rule_files: [clipgen-alerts.yml]
            alerting:
              alertmanagers: [{static_configs: [{targets: ["127.0.0.1:\(ports.alertmanager)"]}]}]
            scrape_configs:
              - job_name: clipgen-api
                static_configs: [{targets: ["127.0.0.1:\(ports.api)"]}]
            """.write(toFile: dir + "/prometheus.yml", atomically: true, encoding: .utf8)
            let alertmanager = try ClipGenProcess(
                [
                    "--config.file=\(dir)/alertmanager.yml", "--storage.path=\(dir)/alertmanager",
                    "--web.listen-address=127.0.0.1:\(ports.alertmanager)", "--cluster.listen-address=",
                ], log: dir + "/alertmanager.log", executable: "/usr/bin/prometheus-alertmanager")
            let prometheus = try ClipGenProcess(
                [
                    "--config.file=\(dir)/prometheus.yml", "--storage.tsdb.path=\(dir)/prometheus",
                    "--web.listen-address=127.0.0.1:\(ports.prometheus)",
                ], log: dir + "/prometheus.log", executable: "/usr/bin/prometheus")
            defer {
                for process in [prometheus, alertmanager, receiver] { process.signal(SIGKILL) }
            }

            // A job, and no worker to run it.
            let token = try #require(try Curl.signIn(base, password: "alert-delivery-tests"))
            let source = try await TestMedia.shared.path("gop2s.mp4")
            let upload = try #require(
                try Curl.call(base + "/v1/uploads", method: "POST", token: token, file: source).json["id"] as? String)
            let job = try Curl.call(
                base + "/v1/jobs", method: "POST", token: token,
                json: #"{"source":{"uploadId":"\#(upload)"},"clips":[{"start":0,"end":2}]}"#)
            #expect(job.status == 202, "\(job.json)")

            func delivered() -> [[String: Any]] {
                let lines = ((try? String(contentsOfFile: received, encoding: .utf8)) ?? "").split(separator: "\n")
                return lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            }
            let paged = try await eventually(timeout: .seconds(600), every: .milliseconds(500)) {
                delivered().contains { entry in
                    let body = entry["body"] as? [String: Any]
                    let labels = body?["commonLabels"] as? [String: Any]
                    return entry["path"] as? String == "/oncall" && body?["status"] as? String == "firing"
                        && labels?["alertname"] as? String == "ClipGenNoWorkers"
                        && labels?["capability"] as? String == "cpu" && labels?["severity"] as? String == "page"
                }
            }
            #expect(
                paged,
                """
                no page arrived: \(delivered())
                prometheus: \(prometheus.output.suffix(2000))
                alertmanager: \(alertmanager.output.suffix(2000))
                """)
            // A page goes to the on-call receiver only; nothing was filed as a ticket.
            #expect(!delivered().contains { $0["path"] as? String == "/tickets" }, "\(delivered())")
            #expect(await api.stop() == 0)
        }
    }
}
