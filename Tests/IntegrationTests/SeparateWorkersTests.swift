import BlobStorageS3
import Foundation
import TestSupport
import Testing

/// `clipgen serve --no-workers` and two `clipgen worker` processes, the real binary: on one data
/// directory and one database (SQLite in that directory, or PostgreSQL), or sharing nothing but
/// PostgreSQL and S3, each process in a directory of its own. The same work as one process, and a
/// worker killed mid-render loses nothing.
@Suite(.serialized) struct SeparateWorkersTests {
    static let setups =
        ["sqlite"] + (TestServers.postgresURL == nil ? [] : ["postgres"])
        + (TestServers.postgresURL == nil || TestServers.s3 == nil ? [] : ["postgres+s3"])

    @Test(arguments: setups)
    func twoWorkerProcessesShareTheWorkAndSurviveOneBeingKilled(setup: String) async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        let databaseURL = setup.hasPrefix("postgres") ? try await TestServers.freshPostgresDatabase() : nil
        let s3: S3Configuration? = TestServers.s3.map { server in
            var configuration = S3Configuration(
                endpoint: server.endpoint, bucket: "clipgen-tests", accessKeyID: server.accessKey,
                secretAccessKey: server.secretKey)
            configuration.keyPrefix = TestServers.uniqueName() + "/"
            return configuration
        }.flatMap { setup.hasSuffix("s3") ? $0 : nil }
        try await withTemporaryDirectory { dir in
            // With S3 no two processes share a directory: PostgreSQL and S3 are all they have in common.
            func data(_ process: String) -> String { s3 == nil ? dir + "/data" : dir + "/\(process)-data" }
            let port = ClipGenProcess.freePort()
            let metricsPorts = [ClipGenProcess.freePort(), ClipGenProcess.freePort()]
            var shared = [
                "CLIPGEN_ADMIN_PASSWORD": "separate-workers", "CLIPGEN_BCRYPT_COST": "4",
                "CLIPGEN_POLL_SECONDS": "0.2", "CLIPGEN_HEARTBEAT_SECONDS": "0.5", "CLIPGEN_LEASE_SECONDS": "3",
                "CLIPGEN_RETRY_BASE_SECONDS": "0.2", "CLIPGEN_LOG_LEVEL": "notice",
            ]
            shared["CLIPGEN_DATABASE_URL"] = databaseURL
            if let s3 {
                shared["CLIPGEN_S3_ENDPOINT"] = s3.endpoint.absoluteString
                shared["CLIPGEN_S3_BUCKET"] = s3.bucket
                shared["CLIPGEN_S3_KEY_PREFIX"] = s3.keyPrefix
                shared["CLIPGEN_S3_ACCESS_KEY_ID"] = s3.accessKeyID
                shared["CLIPGEN_S3_SECRET_ACCESS_KEY"] = s3.secretAccessKey
            }
            func environment(for process: String) -> [String: String] {
                shared.merging(["CLIPGEN_DATA_DIR": data(process)]) { $1 }
            }
            let api = try ClipGenProcess(
                ["serve", "--no-workers", "--port", "\(port)"], environment: environment(for: "api"),
                log: dir + "/api.log")
            let base = "http://127.0.0.1:\(port)"
            #expect(try await eventually { (try? Curl.call(base + "/healthz"))?.status == 200 }, "\(api.output)")
            // The API made the schema and the admin; workers join the same data directory.
            var workers = try metricsPorts.enumerated().map { index, metricsPort in
                try ClipGenProcess(
                    ["worker", "--concurrency", "1", "--metrics-port", "\(metricsPort)"],
                    environment: environment(for: "worker-\(index)"),
                    log: dir + "/worker-\(index).log")
            }
            for metricsPort in metricsPorts {
                #expect(
                    try await eventually { (try? Curl.call("http://127.0.0.1:\(metricsPort)/healthz"))?.status == 200 })
            }

            let token = try #require(
                try Curl.signIn(base, password: "separate-workers"))
            let upload = try #require(
                try Curl.call(base + "/v1/uploads", method: "POST", token: token, file: source).json["id"] as? String)
            // Exact renders with loudness normalisation: each takes long enough to be caught mid-render.
            let job = try #require(
                try Curl.call(
                    base + "/v1/jobs", method: "POST", token: token,
                    json: #"""
                        {"source":{"uploadId":"\#(upload)"},"output":{"mode":"exact","normalizeAudio":true,
                            "fadeSeconds":0.5},
                         "clips":[{"start":0,"end":6},{"start":6,"end":12},{"start":12,"end":18}],
                         "highlights":{"count":1,"minDuration":5,"maxDuration":8}}
                        """#
                ).json["id"] as? String)

            // Kill whichever worker is first seen running FFmpeg (analysing or rendering): on a busy
            // machine one render alone can finish between two looks.
            var victim: Int?
            #expect(
                try await eventually(timeout: .seconds(120), every: .milliseconds(50)) {
                    for (index, worker) in workers.enumerated() {
                        let children = try Shell.run("pgrep", ["-P", "\(worker.pid)", "-f", "ffmpeg"])
                        if children.status == 0 {
                            victim = index
                            return true
                        }
                    }
                    return false
                },
                "no render was seen: \(Self.report(job: base + "/v1/jobs/\(job)", token: token, workers: workers))"
            )
            let killed = try #require(victim)
            workers[killed].signal(SIGKILL)
            _ = await workers[killed].stop()

            var finished: [String: Any] = [:]
            #expect(
                try await eventually(timeout: .seconds(240), every: .milliseconds(300)) {
                    finished = try Curl.call(base + "/v1/jobs/\(job)", token: token).json
                    return ["succeeded", "failed", "cancelled"].contains(finished["status"] as? String ?? "")
                })
            #expect(finished["status"] as? String == "succeeded", "\(finished)\n\(workers[1 - killed].output)")
            #expect(finished["attempts"] as? Int == 2, "the killed worker's render ran again once its lease expired")
            let clips = finished["clips"] as? [[String: Any]] ?? []
            #expect(
                clips.compactMap { $0["index"] as? Int }.sorted() == [0, 1, 2, 3], "three ranges and one highlight")
            for clip in clips {
                let file = dir + "/\(clip["index"] as? Int ?? -1).mp4"
                let content = base + "/v1/clips/\(clip["id"] as? String ?? "")/content"
                if s3 != nil {
                    // Straight from S3: a 302 to a presigned URL that needs no credentials.
                    let redirect = try Shell.run(
                        "curl",
                        [
                            "-s", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", "-H",
                            "Authorization: Bearer \(token)",
                            content + "?redirect=true",
                        ])
                    let parts = String(decoding: redirect.stdout, as: UTF8.self).split(separator: " ", maxSplits: 1)
                        .map(String.init)
                    #expect(parts.first == "302")
                    let direct = try Curl.call(try #require(parts.last), output: file)
                    #expect(direct.status == 200)
                } else {
                    #expect(try Curl.call(content, token: token, output: file).status == 200)
                }
                #expect(try FrameCompare.videoFrameCount(file) > 100)
            }
            // Each clip is stored once, whichever attempt stored it.
            let stored =
                if let s3 {
                    try await S3BlobStore(configuration: s3).keys(startingWith: "clips/\(job)/").map {
                        String($0.rawValue.split(separator: "/").last!)
                    }
                } else {
                    try FileManager.default.contentsOfDirectory(atPath: data("api") + "/blobs/clips/\(job)")
                }
            #expect(stored.filter { $0.hasSuffix(".mp4") }.count == 4, "\(stored)")
            // Both processes counted into their own /metrics.
            let survivorMetrics = String(
                decoding: try Curl.call("http://127.0.0.1:\(metricsPorts[1 - killed])/metrics").body, as: UTF8.self)
            #expect(survivorMetrics.contains("processing_seconds_count{stage=\"render\"}"), "\(survivorMetrics)")

            // No FFmpeg outlives its worker for long, and nothing is left in scratch or temp space.
            #expect(try await eventually { try Shell.run("pgrep", ["-f", "ffmpeg.*\(dir)"]).status != 0 })
            #expect(await workers[1 - killed].stop() == 0)
            if s3 != nil {
                // The killed worker's directory is its machine's own: a worker started there again sweeps what it left.
                let metricsPort = ClipGenProcess.freePort()
                let again = try ClipGenProcess(
                    ["worker", "--metrics-port", "\(metricsPort)"], environment: environment(for: "worker-\(killed)"),
                    log: dir + "/worker-again.log")
                #expect(
                    try await eventually { (try? Curl.call("http://127.0.0.1:\(metricsPort)/healthz"))?.status == 200 })
                #expect(await again.stop() == 0)
            }
            #expect(await api.stop() == 0)
            workers.removeAll()
            let leftovers = ["api", "worker-0", "worker-1"].flatMap { process in
                ["/tmp", "/blobs/.tmp"].flatMap { folder in
                    let path = data(process) + folder
                    return (FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? []).filter {
                        let attributes = try? FileManager.default.attributesOfItem(atPath: path + "/" + $0)
                        return attributes?[.type] as? FileAttributeType == .typeRegular
                    }
                }
            }
            #expect(leftovers.isEmpty, "\(leftovers)")
        }
    }

    /// The job as the API shows it and what the workers printed, for a failure message.
    static func report(job url: String, token: String, workers: [ClipGenProcess]) -> String {
        let job = String(decoding: (try? Curl.call(url, token: token).body) ?? Data(), as: UTF8.self)
        return ([job] + workers.map(\.output)).joined(separator: "\n")
    }

}
