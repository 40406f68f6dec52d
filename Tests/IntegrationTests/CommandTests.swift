import Foundation
import TestSupport
import Testing

/// The real `clipgen` binary, as a user runs it.
@Suite(.serialized) struct CommandTests {
    @Test func clipCutsALocalFile() async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        try await withTemporaryDirectory { dir in
            let out = dir + "/out.mp4"
            let result = try Shell.run(
                TestMediaPaths.clipgen,
                ["clip", source, "--start", "00:00:02.5", "--end", "4", "--mode", "exact", "--out", out])
            #expect(result.status == 0, "\(result.stderr)")
            let summary = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any]
            #expect(summary?["modeUsed"] as? String == "exact" && summary?["actualStart"] as? Double == 2.5)
            #expect(try FrameCompare.videoFrameCount(out) == 45)
        }
    }

    /// Without `--mode` the command cuts as a job does by default: smart (the README's promise).
    @Test func clipCutsSmartByDefaultAsAJobDoes() async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        try await withTemporaryDirectory { dir in
            let result = try Shell.run(
                TestMediaPaths.clipgen, ["clip", source, "--start", "2.5", "--end", "9", "--out", dir + "/out.mp4"])
            #expect(result.status == 0, "\(result.stderr)")
            let summary = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any]
            #expect(summary?["modeUsed"] as? String == "smart", "\(String(describing: summary))")
        }
    }

    /// A mono source whose range loudnorm cannot normalise linearly (16 LU of range) used to fail
    /// the render when FFmpeg lost the channel layout; exact and smart both normalise it now.
    @Test(arguments: ["exact", "smart"])
    func normalisingAWideRangeMonoClipRenders(mode: String) async throws {
        let source = try await TestMedia.shared.path("analysis.mp4")
        try await withTemporaryDirectory { dir in
            let out = dir + "/out.mp4"
            let result = try Shell.run(
                TestMediaPaths.clipgen,
                ["clip", source, "--start", "10", "--end", "17", "--mode", mode, "--normalize-audio", "--out", out])
            #expect(result.status == 0, "\(result.stderr)")
            let summary = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any]
            // loudnorm falls back to its dynamic mode here, which lands near the target, not on it.
            #expect(abs((summary?["loudnessLUFS"] as? Double ?? 0) - -14) < 2.5, "\(String(describing: summary))")
        }
    }

    @Test(arguments: [
        (["--start", "5", "--end", "4", "--mode", "exact"], "must be after start"),
        (["--start", "soon", "--end", "4", "--mode", "exact"], "--start"),
        (["--start", "1", "--end", "40", "--mode", "exact"], "only 20.0 s long"),
        (["--start", "1", "--end", "2", "--mode", "sideways"], "--mode must be keyframe, exact or smart"),
        (["--start", "1", "--end", "2", "--aspect", "3:2"], "--aspect must be original, 16:9, 9:16, 1:1 or 4:5"),
    ])
    func badInputIsOneClearLineAndNoFile(arguments: [String], mentioned: String) async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        try await withTemporaryDirectory { dir in
            let out = dir + "/out.mp4"
            let result = try Shell.run(TestMediaPaths.clipgen, ["clip", source, "--out", out] + arguments)
            #expect(result.status != 0)
            #expect(result.stderr.contains(mentioned), "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out))
        }
    }

    /// `clipgen clip` and `clipgen frames` take the API's newer options: formats, codecs,
    /// quality, enhancement, frames.
    @Test func clipAndFramesTakeTheAPIsOptions() async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        try await withTemporaryDirectory { dir in
            let out = dir + "/out.webm"
            let clip = try Shell.run(
                TestMediaPaths.clipgen,
                [
                    "clip", source, "--start", "2", "--end", "4", "--video-codec", "av1", "--quality", "40",
                    "--enhance", "denoise,autoLevels,dynamicNormalize", "--out", out,
                ])
            #expect(clip.status == 0, "\(clip.stderr)")
            let summary = try JSONSerialization.jsonObject(with: clip.stdout) as? [String: Any]
            #expect((summary?["fallbackReason"] as? String)?.contains("webm") == true, "\(String(describing: summary))")
            let codec = try Shell.run(
                "ffprobe",
                ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=codec_name", "-of", "csv=p=0", out])
            #expect(
                String(decoding: codec.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "av1")
            let bad = try Shell.run(
                TestMediaPaths.clipgen,
                ["clip", source, "--start", "2", "--end", "4", "--enhance", "sparkle", "--out", dir + "/bad.mp4"])
            #expect(bad.status != 0 && bad.stderr.contains("--enhance: 'sparkle' is not one of"), "\(bad.stderr)")

            let frames = try Shell.run(
                TestMediaPaths.clipgen,
                ["frames", source, "--at", "1.5,00:00:03", "--format", "png", "--out", dir + "/f"])
            #expect(frames.status == 0, "\(frames.stderr)")
            let lines = String(decoding: frames.stdout, as: UTF8.self).split(separator: "\n")
            #expect(lines == ["1.500\t\(dir)/f/frame-00001.png", "3.000\t\(dir)/f/frame-00002.png"])
            let badLogo = try Shell.run(
                TestMediaPaths.clipgen,
                [
                    "clip", source, "--start", "2", "--end", "3", "--logo", source, "--logo-opacity", "2", "--out",
                    dir + "/l.mp4",
                ])
            #expect(
                badLogo.status != 0 && badLogo.stderr.contains("--logo-opacity: must be from 0 to 1"),
                "\(badLogo.stderr)")
            let none = try Shell.run(TestMediaPaths.clipgen, ["frames", source, "--out", dir + "/g"])
            #expect(none.status != 0 && none.stderr.contains("give exactly one of"), "\(none.stderr)")
        }
    }

    @Test func unreadableInputFailsWithFFmpegsReason() async throws {
        let source = try await TestMedia.shared.path("corrupt.mp4")
        try await withTemporaryDirectory { dir in
            let result = try Shell.run(
                TestMediaPaths.clipgen, ["clip", source, "--start", "0", "--end", "1", "--out", dir + "/o.mp4"])
            #expect(result.status != 0)
            #expect(result.stderr.contains("Invalid data found"), "\(result.stderr)")
        }
    }

    /// `clipgen serve` killed with SIGTERM while a job waits, then started again: the job completes.
    @Test func serveStopsOnSIGTERMAndResumesQueuedWork() async throws {
        let source = try await TestMedia.shared.path("noaudio.mp4")
        try await withTemporaryDirectory { dir in
            let port = ClipGenProcess.freePort()
            let base = "http://127.0.0.1:\(port)"
            var environment = ProcessInfo.processInfo.environment
            environment["CLIPGEN_ADMIN_PASSWORD"] = "serve-test-pass"
            environment["CLIPGEN_BCRYPT_COST"] = "4"
            environment["CLIPGEN_POLL_SECONDS"] = "0.1"

            func start(workers: Bool) throws -> Process {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: TestMediaPaths.clipgen)
                process.arguments =
                    ["serve", "--port", "\(port)", "--data-dir", dir + "/data"] + (workers ? [] : ["--no-workers"])
                process.environment = environment
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle(forWritingAtPath: "/dev/null")
                try process.run()
                return process
            }
            func curl(_ args: [String]) throws -> [String: Any] {
                let result = try Shell.run("curl", ["-sS", "--max-time", "10"] + args)
                return (try? JSONSerialization.jsonObject(with: result.stdout)) as? [String: Any] ?? [:]
            }
            func stop(_ process: Process) async throws {
                process.terminate() // SIGTERM
                #expect(try await eventually { !process.isRunning })
                #expect(process.terminationStatus == 0, "a SIGTERM drains and exits cleanly")
            }

            let first = try start(workers: false)
            #expect(try await eventually { (try? curl(["\(base)/healthz"]))?["status"] as? String == "ok" })
            let token =
                try curl([
                    "-X", "POST", "\(base)/v1/auth/token", "-d",
                    #"{"email":"admin@localhost","password":"serve-test-pass"}"#,
                ])["accessToken"] as? String ?? ""
            let auth = "Authorization: Bearer \(token)"
            let upload =
                try curl(["-X", "POST", "\(base)/v1/uploads", "-H", auth, "--data-binary", "@\(source)"])["id"]
                as? String ?? ""
            let job =
                try curl([
                    "-X", "POST", "\(base)/v1/jobs", "-H", auth, "-d",
                    #"{"source":{"uploadId":"\#(upload)"},"clips":[{"start":1,"end":2}]}"#,
                ])["id"] as? String ?? ""
            #expect(!job.isEmpty)
            try await stop(first)

            let second = try start(workers: true)
            defer { if second.isRunning { second.interrupt() } }
            let finished = try await eventually(every: .milliseconds(250)) {
                (try? curl(["\(base)/v1/jobs/\(job)", "-H", auth]))?["status"] as? String == "succeeded"
            }
            #expect(finished, "the token and the queued job survived the restart")
            try await stop(second)
        }
    }
}
