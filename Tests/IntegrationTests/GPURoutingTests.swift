import Foundation
import TestSupport
import Testing

/// Two real `clipgen worker` processes on one database: one advertising `gpu` (its encoder
/// probe pointed at libx264 through `CLIPGEN_GPU_ENCODERS`, since this machine has no GPU; the
/// routing is what is tested), one `cpu`. Renders and storyboards go to the GPU worker while it
/// is alive; once it has left, the CPU worker takes them at once, without waiting out the fallback.
@Suite(.serialized) struct GPURoutingTests {
    @Test func rendersGoToTheGPUWorkerWhileItIsAliveAndToTheCPUWorkerOnceItHasLeft() async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        try await withTemporaryDirectory { dir in
            let port = ClipGenProcess.freePort()
            let shared = [
                "CLIPGEN_ADMIN_PASSWORD": "gpu-routing-tests", "CLIPGEN_BCRYPT_COST": "4",
                "CLIPGEN_DATA_DIR": dir + "/data",
                "CLIPGEN_POLL_SECONDS": "0.2", "CLIPGEN_HEARTBEAT_SECONDS": "0.3", "CLIPGEN_LEASE_SECONDS": "30",
                // Longer than the test: GPU work reaches the CPU worker only because no GPU worker is left.
                "CLIPGEN_FALLBACK_SECONDS": "3600", "CLIPGEN_LOG_LEVEL": "info",
            ]
            let api = try ClipGenProcess(
                ["serve", "--no-workers", "--port", "\(port)"], environment: shared, log: dir + "/api.log")
            let base = "http://127.0.0.1:\(port)"
            #expect(try await eventually { (try? Curl.call(base + "/healthz"))?.status == 200 }, "\(api.output)")
            let metrics = (gpu: ClipGenProcess.freePort(), cpu: ClipGenProcess.freePort())
            let gpu = try ClipGenProcess(
                ["worker", "--capabilities", "cpu,gpu", "--metrics-port", "\(metrics.gpu)"],
                environment: shared.merging(["CLIPGEN_GPU_ENCODERS": "h264_nvenc,libx264"]) { $1 },
                log: dir + "/gpu.log")
            let cpu = try ClipGenProcess(
                ["worker", "--capabilities", "cpu", "--metrics-port", "\(metrics.cpu)"], environment: shared,
                log: dir + "/cpu.log")
            func metric(_ port: Int, _ line: String) throws -> Double {
                let text = String(decoding: try Curl.call("http://127.0.0.1:\(port)/metrics").body, as: UTF8.self)
                return text.split(separator: "\n").first { $0.hasPrefix(line + " ") }.flatMap {
                    Double($0.split(separator: " ").last ?? "")
                } ?? 0
            }
            let token = try #require(try Curl.signIn(base, password: "gpu-routing-tests"))
            // Both workers registered: the API counts them by capability.
            #expect(
                try await eventually {
                    try metric(port, #"workers_alive{capability="gpu"}"#) == 1
                        && metric(port, #"workers_alive{capability="cpu"}"#) == 2
                }, "\(gpu.output)\n\(cpu.output)")
            #expect(gpu.output.contains("GPU encoder in use"), "\(gpu.output)")
            // The CPU worker has noticed the GPU one: GPU work is left to it.
            #expect(try await eventually { cpu.output.contains("a better-suited worker is alive") }, "\(cpu.output)")
            let upload = try #require(
                try Curl.call(base + "/v1/uploads", method: "POST", token: token, file: source).json["id"] as? String)
            func runJob() async throws -> [String: Any] {
                let job = try #require(
                    try Curl.call(
                        base + "/v1/jobs", method: "POST", token: token,
                        json: #"""
                            {"source":{"uploadId":"\#(upload)"},"output":{"mode":"exact"},
                             "clips":[{"start":0,"end":2},{"start":2,"end":4},{"start":4,"end":6},{"start":6,"end":8}]}
                            """#
                    ).json["id"] as? String)
                var finished: [String: Any] = [:]
                #expect(
                    try await eventually(timeout: .seconds(240), every: .milliseconds(200)) {
                        finished = try Curl.call(base + "/v1/jobs/\(job)", token: token).json
                        return ["succeeded", "failed", "cancelled"].contains(finished["status"] as? String ?? "")
                    })
                #expect(finished["status"] as? String == "succeeded", "\(finished)\n\(gpu.output)\n\(cpu.output)")
                return finished
            }

            _ = try await runJob()
            let rendersOn = { (port: Int) in try metric(port, #"processing_seconds_count{stage="render"}"#) }
            let storyboardsOn = { (port: Int) in try metric(port, #"processing_seconds_count{stage="thumbnails"}"#) }
            #expect(try rendersOn(metrics.gpu) == 4 && storyboardsOn(metrics.gpu) == 1)
            #expect(try rendersOn(metrics.cpu) == 0 && storyboardsOn(metrics.cpu) == 0, "\(cpu.output)")

            // The GPU worker stops (SIGTERM): it leaves the registry, and its kind of work is the CPU worker's now.
            #expect(await gpu.stop() == 0)
            #expect(try await eventually { try metric(port, #"workers_alive{capability="gpu"}"#) == 0 })
            _ = try await runJob()
            #expect(try rendersOn(metrics.cpu) == 4 && storyboardsOn(metrics.cpu) == 1, "\(cpu.output)")
            #expect(cpu.output.contains("no better-suited worker is alive"), "\(cpu.output)")
            #expect(await cpu.stop() == 0)
            #expect(await api.stop() == 0)
        }
    }
}
