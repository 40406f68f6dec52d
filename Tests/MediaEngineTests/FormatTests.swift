import ClipGenCore
import Foundation
import TestSupport
import Testing

@testable import MediaEngine

/// Every format and codec ClipGen delivers, rendered from the same 4 s of `gop2s.mp4`
/// (640x360, 30 fps, AAC) and read back: codecs, size, duration, that it decodes whole, and
/// that quality and bitrates move the figures they promise.
@Suite(.serialized) struct FormatTests {
    func render(_ options: OutputOptions, in dir: String) async throws -> (String, CutPlan) {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        let output = dir + "/\(UUID().uuidString).\(options.format.fileExtension)"
        let plan = CutPlan(
            input: source, output: output, start: 2, end: 6, options: options, media: try await Prober().probe(source))
        try await Cutter().render(plan)
        return (output, plan)
    }

    @Test(arguments: [
        (OutputFormat.mp4, VideoCodec.h264, "h264", "aac"), (.mp4, .h265, "hevc", "aac"), (.mp4, .av1, "av1", "aac"),
        (.webm, .vp9, "vp9", "opus"), (.webm, .av1, "av1", "opus"), (.mov, .prores, "prores", "pcm_s16le"),
        (.mov, .h264, "h264", "aac"),
    ])
    func videoFormatsDecodeWithTheirCodecsSizeAndDuration(
        format: OutputFormat, codec: VideoCodec, videoName: String, audioName: String
    ) async throws {
        try await withTemporaryDirectory { dir in
            let (file, plan) = try await render(OutputOptions(format: format, mode: .exact, videoCodec: codec), in: dir)
            let out = try StreamProbe(file)
            #expect(
                out.video?["codec_name"] as? String == videoName && out.audio?["codec_name"] as? String == audioName)
            #expect(out.video?["width"] as? Int == 640 && out.video?["height"] as? Int == 360)
            #expect(abs(out.duration - 4) < 0.1, "duration \(out.duration)")
            let decoded = try Shell.run("ffmpeg", ["-v", "error", "-i", file, "-f", "null", "-"])
            #expect(decoded.status == 0 && decoded.stderr.isEmpty, "\(decoded.stderr)")
            #expect(try FrameCompare.videoFrameCount(file) == 120)
            #expect(plan.encoderName == plan.videoCodecArguments[plan.videoCodecArguments.firstIndex(of: "-c:v")! + 1])
        }
    }

    @Test(arguments: [(OutputFormat.m4a, "aac", 0.05), (.mp3, "mp3", 0.1), (.wav, "pcm_s16le", 0.05)])
    func soundOnlyFormatsHaveNoPictures(format: OutputFormat, audioName: String, slack: Double) async throws {
        try await withTemporaryDirectory { dir in
            let (file, _) = try await render(OutputOptions(format: format, mode: .exact, fadeSeconds: 0.5), in: dir)
            let out = try StreamProbe(file)
            #expect(out.video == nil && out.audio?["codec_name"] as? String == audioName)
            #expect(abs(out.duration - 4) < slack, "duration \(out.duration)")
            #expect(try Shell.run("ffmpeg", ["-v", "error", "-i", file, "-f", "null", "-"]).status == 0)
        }
    }

    @Test func aSourceWithoutSoundCannotBecomeSoundOnly() async throws {
        try await withTemporaryDirectory { dir in
            let source = try await TestMedia.shared.path("noaudio.mp4")
            let plan = CutPlan(
                input: source, output: dir + "/out.m4a", start: 0, end: 2, options: OutputOptions(format: .m4a),
                media: try await Prober().probe(source))
            await #expect(throws: MediaError.self) { try await Cutter().render(plan) }
            #expect(!FileManager.default.fileExists(atPath: dir + "/out.m4a"))
        }
    }

    @Test func animatedWebPHoldsEveryFrameAtFifteenAFrameRateAndLoops() async throws {
        try await withTemporaryDirectory { dir in
            let (file, _) = try await render(OutputOptions(format: .webp, mode: .exact), in: dir)
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
            #expect(String(decoding: bytes[0..<4], as: UTF8.self) == "RIFF")
            #expect(String(decoding: bytes[8..<12], as: UTF8.self) == "WEBP")
            let text = String(decoding: bytes.map { $0 < 128 ? $0 : 0 }, as: UTF8.self)
            #expect(text.contains("ANIM"))
            // One ANMF chunk per frame: 4 s capped at 15 frames a second.
            #expect(abs(text.components(separatedBy: "ANMF").count - 1 - 60) <= 1)
        }
    }

    @Test(arguments: [VideoCodec.h264, .h265, .av1])
    func higherQualityMeansMoreBytes(codec: VideoCodec) async throws {
        try await withTemporaryDirectory { dir in
            let format: OutputFormat = .mp4
            let low = try await render(
                OutputOptions(format: format, mode: .exact, videoCodec: codec, quality: 20), in: dir)
            let high = try await render(
                OutputOptions(format: format, mode: .exact, videoCodec: codec, quality: 90), in: dir)
            let size = { (file: String) in try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int ?? 0 }
            let (highBytes, lowBytes) = (try size(high.0), try size(low.0))
            #expect(highBytes > lowBytes * 2, "quality 90: \(highBytes) B, quality 20: \(lowBytes) B")
        }
    }

    @Test(arguments: [(OutputFormat.mp4, VideoCodec.h264), (.mp4, .h265), (.webm, .vp9), (.webm, .av1)])
    func aVideoBitrateIsKeptWithinBounds(format: OutputFormat, codec: VideoCodec) async throws {
        try await withTemporaryDirectory { dir in
            let (file, _) = try await render(
                OutputOptions(format: format, mode: .exact, videoCodec: codec, videoBitrate: 400, audioBitrate: 64),
                in: dir)
            let out = try StreamProbe(file)
            // The whole file: 400 kbit/s of video and 64 of sound, with a margin for a 4 s rate control.
            #expect((250_000...650_000).contains(out.bitrate), "\(out.bitrate) bit/s")
        }
    }

    @Test func anAudioBitrateIsUsed() async throws {
        try await withTemporaryDirectory { dir in
            let (low, _) = try await render(OutputOptions(format: .m4a, mode: .exact, audioBitrate: 48), in: dir)
            let (standard, _) = try await render(OutputOptions(format: .m4a, mode: .exact), in: dir)
            // Half of the range is silence, which AAC spends little on: a ceiling, and below the default's 160.
            let (lowRate, standardRate) = (try StreamProbe(low).bitrate, try StreamProbe(standard).bitrate)
            #expect(lowRate <= 60_000 && lowRate < standardRate * 0.75, "48k: \(lowRate), default: \(standardRate)")
        }
    }

    @Test func codecsAndRatesAreCheckedAgainstTheFormat() {
        let errors = { (options: OutputOptions) in options.validate().map(\.field) }
        #expect(errors(OutputOptions(format: .webm, videoCodec: .h264)) == ["output.videoCodec"])
        #expect(errors(OutputOptions(format: .mp3, videoCodec: .h264)) == ["output.videoCodec"])
        #expect(errors(OutputOptions(quality: 101)) == ["output.quality"])
        #expect(errors(OutputOptions(quality: 50, videoBitrate: 1000)) == ["output.videoBitrate"])
        #expect(errors(OutputOptions(format: .wav, audioBitrate: 128)) == ["output.audioBitrate"])
        #expect(errors(OutputOptions(format: .m4a, aspect: .vertical)) == ["output.format"])
        #expect(errors(OutputOptions(format: .webp, normalizeAudio: true)) == ["output.normalizeAudio"])
        #expect(errors(OutputOptions(format: .mov, videoCodec: .prores, videoBitrate: 5000)) == ["output.videoBitrate"])
        #expect(errors(OutputOptions(format: .m4a, fadeSeconds: 1, audioBitrate: 96)).isEmpty)
    }
}
