import ClipGenCore
import Foundation
import TestSupport
import Testing

@testable import MediaEngine

@Suite struct ProberParsingTests {
    @Test func readsRotationSampleAspectAndDefaultAudio() throws {
        let json = """
            {"streams":[
              {"index":0,"codec_type":"video","codec_name":"h264","width":720,"height":576,
                  "sample_aspect_ratio":"16:15",
               "avg_frame_rate":"25/1","side_data_list":[{"rotation":-90}]},
              {"index":1,"codec_type":"audio","codec_name":"aac","channels":2,"sample_rate":"48000",
                  "disposition":{"default":0}},
              {"index":2,"codec_type":"audio","codec_name":"opus","channels":2,"sample_rate":"48000",
                  "disposition":{"default":1}},
              {"index":3,"codec_type":"video","codec_name":"mjpeg","disposition":{"attached_pic":1}}],
             "format":{"duration":"12.5","start_time":"1.4","format_name":"matroska,webm"}}
            """
        let info = try Prober.parse(json: Data(json.utf8))
        #expect(info.video?.rotation == 270)
        #expect(info.displaySize == (width: 576, height: 768), "a quarter turn swaps the shown width and height")
        #expect(info.video?.sampleAspectRatio == .init(numerator: 16, denominator: 15))
        #expect(info.video?.fps == 25)
        #expect(info.defaultAudio?.codec == "opus")
        #expect(info.duration == 12.5 && info.startTime == 1.4)
    }
}

@Suite(.serialized) struct ProberMediaTests {
    @Test func probesAGeneratedFileWithItsKeyframes() async throws {
        let info = try await Prober().probe(try await TestMedia.shared.path("gop2s.mp4"))
        #expect(info.duration == 20)
        #expect(info.video?.width == 640 && info.video?.height == 360 && info.video?.fps == 30)
        #expect(info.keyframeTimes == stride(from: 0.0, to: 20, by: 2).map { $0 })
        #expect(info.defaultAudio?.codec == "aac")
    }

    @Test func hardCutSourceHasItsKnownShape() async throws {
        let path = try await TestMedia.shared.path("cuts.mp4")
        let info = try await Prober().probe(path)
        #expect(info.duration == 9 && info.video?.fps == 30)
        // The frames either side of each cut come from different sources: a large jump.
        for cut in [90, 180] {
            let jump = FrameCompare.meanSquaredError(
                try FrameCompare.frame(path, index: cut - 1), try FrameCompare.frame(path, index: cut))
            let steady = FrameCompare.meanSquaredError(
                try FrameCompare.frame(path, index: cut + 1), try FrameCompare.frame(path, index: cut + 2))
            #expect(jump > 10 * max(steady, 1), "cut at frame \(cut): jump \(jump), steady \(steady)")
        }
    }

    @Test(arguments: ["gop2s.mp4", "noaudio.mp4", "cuts.mp4"])
    func mp4HeaderAgreesWithFFprobesPacketScan(name: String) async throws {
        let path = try await TestMedia.shared.path(name)
        let header = try #require(MP4Reader(path: path))
        let fromHeader = try #require(header.duration)
        #expect(abs(fromHeader - (try await Prober().probe(path).duration)) < 0.001)
        let indexed = try #require(header.keyframeTimes)
        let scanned = try await Prober().keyframes(path, stream: "v:0")
        #expect(indexed.count == scanned.count)
        for (a, b) in zip(indexed, scanned) { #expect(abs(a - b) < 0.0001, "\(name): \(a) vs \(b)") }
    }

    @Test func unreadableHeadersFallBackToFFprobe() async throws {
        #expect(MP4Reader(path: try await TestMedia.shared.path("corrupt.mp4")) == nil)
        #expect(MP4Reader(path: "/nonexistent") == nil)
    }

    @Test func audioOnlyIsNoVideoStream() async throws {
        let error = await #expect(throws: MediaError.self) {
            try await Prober().probe(try await TestMedia.shared.path("audio-only.m4a"))
        }
        #expect(error?.code == .noVideoStream)
    }

    @Test func corruptFileIsUnsupportedWithFFmpegsReason() async throws {
        let error = await #expect(throws: MediaError.self) {
            try await Prober().probe(try await TestMedia.shared.path("corrupt.mp4"))
        }
        #expect(error?.code == .unsupportedMedia)
        #expect(error?.detail.contains("Invalid data") == true)
        #expect(error?.detail.contains("/") == false, "no server paths in messages")
    }

    @Test func missingToolIsAClearError() async throws {
        let error = await #expect(throws: MediaError.self) {
            try await Prober(ffprobePath: "/nonexistent/ffprobe").probe(try await TestMedia.shared.path("gop2s.mp4"))
        }
        #expect(error?.code == .ffmpegMissing)
    }
}

@Suite struct ProcessRunnerTests {
    @Test func timeoutKillsTheChild() async throws {
        // Ignored, the timeout would let `sleep 30` finish and the run succeed: the error is the proof.
        let error = await #expect(throws: MediaError.self) {
            try await ProcessRunner.live.run(
                ProcessSpec(executable: "sleep", arguments: ["30"], timeout: .milliseconds(300)))
        }
        #expect(error?.code == .mediaTimeout)
    }

    @Test func cancellingTheTaskKillsTheChild() async throws {
        let marker = NSTemporaryDirectory() + "clipgen-cancel-" + UUID().uuidString
        let task = Task {
            try await ProcessRunner.live.run(
                ProcessSpec(
                    executable: "bash", arguments: ["-c", "echo $$ > \(marker); sleep 30"], timeout: .seconds(600)))
        }
        // Waits for the child as long as a machine busy with every other suite needs; done as soon as it wrote.
        try #require(try await eventually { FileManager.default.fileExists(atPath: marker) })
        try await Task.sleep(for: .milliseconds(100))
        let pid = try #require(
            Int32(String(contentsOfFile: marker, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        task.cancel()
        _ = try? await task.value
        // kill(pid, 0) fails once the process is gone (it was reaped by the runner).
        #expect(kill(pid, 0) != 0)
        try? FileManager.default.removeItem(atPath: marker)
    }

    @Test func collectsStdoutAndStderrTail() async throws {
        let output = try await ProcessRunner.live.run(
            ProcessSpec(
                executable: "bash",
                arguments: ["-c", "echo out; for i in $(seq 1 100); do echo err$i >&2; done; exit 3"],
                // A guard against a hang, not a bound: a loaded CI machine once took over 30 s for this.
                timeout: .seconds(600), stdoutLimit: 100))
        #expect(output.exitCode == 3)
        #expect(output.stdout == "out\n")
        #expect(output.stderrTail.hasSuffix("err100"))
        #expect(!output.stderrTail.contains("err1\n"), "only the tail is kept")
    }
}
