import Foundation
import HTTPTypes
import MediaEngine
import TestSupport
import Testing

/// Rendered outputs checked by reading them back with FFmpeg.
@Suite(.serialized) struct OutputEndToEndTests {
    struct Probed {
        var streams: [[String: Any]]
        var video: [String: Any]? { streams.first { $0["codec_type"] as? String == "video" } }
        var audio: [[String: Any]] { streams.filter { $0["codec_type"] as? String == "audio" } }
        var width: Int? { video?["width"] as? Int }
        var height: Int? { video?["height"] as? Int }
    }

    static func probe(_ file: String) throws -> Probed {
        let result = try Shell.run("ffprobe", ["-v", "error", "-show_streams", "-of", "json", file])
        let json = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any]
        return Probed(streams: json?["streams"] as? [[String: Any]] ?? [])
    }

    /// Renders one clip through the API and returns the job, its clip and the downloaded file.
    static func render(
        _ source: String, options: String, clip: String = #"{"start":1,"end":3}"#, dir: String,
        _ check: @Sendable @escaping (ServerHarness.Client, [String: Any], [String: Any], String) async throws -> Void
    ) async throws {
        try await ServerHarness.run(ServerHarness.configuration(dataDir: dir + "/data")) { client in
            let id = try await client.createJob(
                #"""
                {"source":{"uploadId":"\#(try await client.upload(source))"},"output":\#(options),\#
                "clips":[\#(clip)]}
                """#
            )
            let job = try await client.waitForJob(id)
            #expect(job.status == "succeeded", "\(job)")
            let clip = try #require(job.clips.first)
            let file = dir + "/out." + (clip["format"] as? String ?? "bin")
            try await client.download(clip["url"] as! String).2.write(to: URL(fileURLWithPath: file))
            try await check(client, job, clip, file)
        }
    }

    @Test(arguments: [
        ("rotated.mp4", 180, 320), ("anamorphic.mp4", 640, 360), ("vfr.mkv", 320, 240), ("multiaudio.mkv", 320, 240),
        ("hevc.mp4", 320, 240), ("vp9.webm", 320, 240), ("mpeg4.avi", 320, 240), ("h264.mov", 320, 240),
        ("subs.mkv", 320, 240), ("odd.mp4", 320, 240), ("tenbit422.mp4", 320, 240), ("noaudio.mp4", 320, 240),
    ])
    func everyInputBecomesAPlainUprightClip(name: String, width: Int, height: Int) async throws {
        let source = try await TestMedia.shared.path(name)
        try await withTemporaryDirectory { dir in
            try await Self.render(source, options: #"{"mode":"exact"}"#, dir: dir) { _, _, clip, file in
                let out = try Self.probe(file)
                #expect(
                    out.video?["codec_name"] as? String == "h264" && out.video?["pix_fmt"] as? String == "yuv420p",
                    "8-bit 4:2:0 H.264")
                #expect(
                    out.width == width && out.height == height, "\(name): shown as \(out.width ?? 0)x\(out.height ?? 0)"
                )
                #expect(["1:1", nil].contains(out.video?["sample_aspect_ratio"] as? String), "square pixels")
                #expect(
                    (out.video?["side_data_list"] as? [[String: Any]])?.contains { $0["rotation"] != nil } != true,
                    "no rotation left to apply")
                #expect(
                    out.streams.count == (name == "noaudio.mp4" ? 1 : 2),
                    "one video and at most one audio stream: subtitles and attachments dropped")
                #expect(abs((clip["duration"] as? Double ?? 0) - 2) < 0.1)
            }
        }
    }

    @Test func theDefaultAudioTrackIsUsed() async throws {
        let source = try await TestMedia.shared.path("multiaudio.mkv")
        try await withTemporaryDirectory { dir in
            try await Self.render(source, options: #"{"mode":"exact"}"#, dir: dir) { _, _, _, file in
                // The default track is the 880 Hz one: count zero crossings in a second of PCM.
                let pcm = try Shell.run(
                    "ffmpeg",
                    [
                        "-v", "error", "-i", file, "-map", "0:a:0", "-t", "1", "-ac", "1", "-ar", "48000", "-f",
                        "s16le", "pipe:1",
                    ]
                ).stdout
                let samples = pcm.withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
                let crossings = zip(samples, samples.dropFirst()).filter { ($0 < 0) != ($1 < 0) }.count
                #expect(abs(crossings / 2 - 880) < 30, "\(crossings / 2) Hz")
            }
        }
    }

    @Test func verticalWebmWithFadeAndLoudnessTarget() async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        try await withTemporaryDirectory { dir in
            let options =
                #"""
                {"format":"webm","mode":"exact","aspect":"9:16","fadeSeconds":1,"normalizeAudio":true,\#
                "targetLUFS":-16}
                """#
            try await Self.render(source, options: options, clip: #"{"start":1,"end":9}"#, dir: dir) {
                _, _, clip, file in
                let out = try Self.probe(file)
                #expect(
                    out.video?["codec_name"] as? String == "vp9" && out.audio.first?["codec_name"] as? String == "opus")
                #expect(out.width == 202 && out.height == 360)
                let measured = try await LoudnessMeter().measure(file: file)
                #expect(abs(measured.integrated + 16) <= 1, "integrated \(measured.integrated) LUFS")
                #expect(measured.truePeak <= -1, "true peak \(measured.truePeak) dBTP")
                #expect(abs((clip["loudnessLUFS"] as? Double ?? 0) - measured.integrated) < 0.5)
                #expect(clip["encoder"] as? String == "libvpx-vp9")
                // Faded in: the first frame is nearly black.
                let first = try FrameCompare.frame(file, index: 0)
                #expect(Double(first.reduce(0) { $0 + Int($1) }) / Double(first.count) < 20)
            }
        }
    }

    /// `output.enhance` through the API: a smart clip of a noisy source denoised and upscaled is
    /// cut exact, says why, and comes out larger and closer to the clean source.
    @Test func enhancedClipsAreCutExactAndSayWhy() async throws {
        let source = try await TestMedia.shared.path("noisy.mp4")
        let clean = try await TestMedia.shared.path("clean.mp4")
        try await withTemporaryDirectory { dir in
            let options = #"{"mode":"smart","enhance":{"denoise":{"method":"nlmeans"},"upscale":{"height":360}}}"#
            try await Self.render(source, options: options, clip: #"{"start":0,"end":4}"#, dir: dir) {
                _, _, clip, file in
                #expect(clip["modeUsed"] as? String == "exact")
                #expect(
                    (clip["fallbackReason"] as? String)?.hasPrefix("enhancement (denoise, upscale)") == true, "\(clip)")
                #expect(try Self.probe(file).height == 360)
                let reference = dir + "/clean-360.mp4"
                _ = try Shell.run(
                    "ffmpeg",
                    [
                        "-v", "error", "-i", clean, "-t", "4", "-vf", "scale=-2:360:flags=lanczos", "-crf", "4",
                        reference,
                    ])
                let noisy = dir + "/noisy-360.mp4"
                _ = try Shell.run(
                    "ffmpeg",
                    ["-v", "error", "-i", source, "-t", "4", "-vf", "scale=-2:360:flags=lanczos", "-crf", "4", noisy])
                #expect(
                    try MediaMeasure.psnr(file, against: reference) > MediaMeasure.psnr(noisy, against: reference) + 2)
            }
        }
    }

    /// Animated WebP through the API: FFmpeg 5 cannot read it back, so its duration is the plan's,
    /// and it has no poster and no quality measurement, but the job succeeds.
    @Test func animatedWebPJobsSucceed() async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        try await withTemporaryDirectory { dir in
            try await Self.render(source, options: #"{"format":"webp","mode":"exact"}"#, dir: dir) { _, _, clip, file in
                #expect(clip["format"] as? String == "webp" && clip["encoder"] as? String == "libwebp_anim")
                #expect(abs((clip["duration"] as? Double ?? 0) - 2) < 0.05 && clip["thumbnailUrl"] == nil)
                let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
                #expect(bytes.prefix(4) == Data("RIFF".utf8) && bytes.count == clip["size"] as? Int)
            }
        }
    }

    @Test func cropXMovesTheWindow() async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        try await withTemporaryDirectory { dir in
            var firstFrames: [Double: [UInt8]] = [:]
            for x in [0.0, 1.0] {
                try await Self.render(
                    source, options: #"{"mode":"exact","aspect":"1:1","cropX":\#(x)}"#, dir: dir + "/\(x)"
                ) { _, _, _, file in
                    let width = try Self.probe(file).width
                    #expect(width == 360)
                }
                let clip = try FileManager.default.contentsOfDirectory(atPath: dir + "/\(x)").first {
                    $0.hasPrefix("out.")
                }!
                firstFrames[x] = try FrameCompare.frame(dir + "/\(x)/" + clip, index: 0)
            }
            // The source's left and right squares, cropped by FFmpeg directly, at the same frame.
            func region(_ x: Int) throws -> [UInt8] {
                let raw = try Shell.run(
                    "ffmpeg",
                    [
                        "-v", "error", "-i", source, "-vf",
                        """
                        select=eq(n\\,30),crop=360:360:\(x):0,scale=\(FrameCompare.width):\(FrameCompare.height),\
                        format=gray
                        """,
                        "-frames:v", "1", "-f", "rawvideo", "pipe:1",
                    ]
                ).stdout
                return [UInt8](raw)
            }
            let (left, right) = (try region(0), try region(280))
            #expect(
                FrameCompare.meanSquaredError(firstFrames[0]!, left)
                    < FrameCompare.meanSquaredError(firstFrames[0]!, right))
            #expect(
                FrameCompare.meanSquaredError(firstFrames[1]!, right)
                    < FrameCompare.meanSquaredError(firstFrames[1]!, left))
        }
    }

    @Test func gifWithPosterAndSourceStoryboard() async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        try await withTemporaryDirectory { dir in
            try await Self.render(source, options: #"{"format":"gif","mode":"exact","fps":10,"height":180}"#, dir: dir)
            { client, job, clip, file in
                let out = try Self.probe(file)
                #expect(out.video?["codec_name"] as? String == "gif" && out.height == 180 && out.audio.isEmpty)
                #expect(out.video?["r_frame_rate"] as? String == "10/1")
                let (status, headers, poster) = try await client.download(clip["thumbnailUrl"] as! String)
                #expect(status == .ok && headers[.contentType] == "image/jpeg" && poster.starts(with: [0xFF, 0xD8]))
                let links = try #require(job["storyboard"] as? [String: String])
                let (_, vttHeaders, vtt) = try await client.download(links["vttUrl"]!)
                let text = String(decoding: vtt, as: UTF8.self)
                #expect(vttHeaders[.contentType]?.hasPrefix("text/vtt") == true && text.hasPrefix("WEBVTT"))
                #expect(
                    text.contains(
                        "00:00:19.000 --> 00:00:20.000\n/v1/jobs/\(job["id"]!)/storyboard.jpg#xywh=1440,90,160,90"))
                let sprite = dir + "/sprite.jpg"
                try await client.download(links["spriteUrl"]!).2.write(to: URL(fileURLWithPath: sprite))
                let board = try Self.probe(sprite)
                #expect(board.width == 1600 && board.height == 180, "10 columns by 2 rows of 160x90 tiles")
            }
        }
    }

    /// A keyframe job's clips come from one copy pass: recorded in one change (one creation
    /// time), each the source's packets from its keyframe, each poster the source's keyframe
    /// nearest a third of the way in, or that exact frame with `"thumbnails": {"exact": true}`.
    @Test(arguments: [false, true])
    func keyframeClipsAndPostersComeFromOnePass(exact: Bool) async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        try await withTemporaryDirectory { dir in
            try await ServerHarness.run(ServerHarness.configuration(dataDir: dir + "/data")) { client in
                let job = try await client.waitForJob(
                    try await client.createJob(
                        #"""
                        {"source":{"uploadId":"\#(try await client.upload(source))"},"output":{"mode":"keyframe"},\#
                        "thumbnails":\#(exact ? #"{"exact":true}"# : "true"),\#
                        "clips":[{"start":1.5,"end":5.2},{"start":6,"end":9},{"start":13.3,"end":19}]}
                        """#
                    ))
                #expect(job.status == "succeeded" && job["storyboard"] != nil, "\(job)")
                let clips = job.clips
                #expect(clips.count == 3 && Set(clips.map { $0["createdAt"] as? String }).count == 1, "\(clips)")
                #expect(clips.map { $0["actualStart"] as? Double } == [0, 6, 12])
                // Keyframes 2 and 8 (6 is the clip's first frame); exact: a third of the way, frame ≥ the instant.
                let frames = exact ? [52, 210, 430] : [60, 240, 420]
                for (clip, frame) in zip(clips, frames) {
                    let poster = dir + "/poster.jpg"
                    try await client.download(clip["thumbnailUrl"] as! String).2.write(to: URL(fileURLWithPath: poster))
                    let shown = try FrameCompare.frame(poster, index: 0)
                    let errors = try [frame - 2, frame, frame + 2].map {
                        FrameCompare.meanSquaredError(shown, try FrameCompare.frame(source, index: $0))
                    }
                    #expect(errors[1] < errors[0] && errors[1] < errors[2], "frame \(frame): \(errors)")
                }
            }
        }
    }

    @Test func noThumbnailsWhenNotAskedFor() async throws {
        let source = try await TestMedia.shared.path("noaudio.mp4")
        try await withTemporaryDirectory { dir in
            try await ServerHarness.run(ServerHarness.configuration(dataDir: dir + "/data")) { client in
                let job = try await client.waitForJob(
                    try await client.createJob(
                        #"""
                        {"source":{"uploadId":"\#(try await client.upload(source))"},"thumbnails":false,\#
                        "clips":[{"start":1,"end":2}]}
                        """#
                    ))
                #expect(job.status == "succeeded" && job["storyboard"] == nil)
                #expect(job.clips.first?["thumbnailUrl"] == nil)
            }
        }
    }
}
