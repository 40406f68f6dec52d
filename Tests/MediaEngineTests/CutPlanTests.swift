import ClipGenCore
import Foundation
import Synchronization
import Testing

@testable import MediaEngine

@Suite struct CutPlanTests {
    let media = MediaInfo(
        duration: 20, startTime: 0, formatName: "mov,mp4",
        video: .init(
            index: 0, codec: "h264", width: 640, height: 360, fps: 30, rotation: 0, sampleAspectRatio: .square,
            pixelFormat: "yuv420p", profile: "High"),
        audio: [
            .init(index: 1, codec: "aac", channels: 2, sampleRate: 48000, isDefault: false),
            .init(index: 2, codec: "aac", channels: 2, sampleRate: 48000, isDefault: true),
        ],
        keyframeTimes: [0, 2, 4, 6])

    @Test func keyframeModeCopiesFromTheKeyframeBeforeStart() {
        let plan = CutPlan(
            input: "in.mp4", output: "out.mp4", start: 3.5, end: 7, options: OutputOptions(mode: .keyframe),
            media: media)
        #expect(plan.actualStart == 2)
        let args = plan.ffmpegArguments()
        #expect(args.containsSequence(["-ss", "2.000000"] + InputPolicy.input("in.mp4")))
        #expect(args.containsSequence(["-t", "5.000000", "-c", "copy"]))
        #expect(args.containsSequence(["-map", "0:2"]), "uses the default audio track")
        #expect(!args.contains("libx264"))
    }

    @Test func startOnAKeyframeStaysThere() {
        #expect(media.keyframe(atOrBefore: 4) == 4)
        #expect(media.keyframe(atOrBefore: 3.99) == 2)
    }

    @Test func exactModeReencodesFromStart() {
        let plan = CutPlan(
            input: "in.mp4", output: "out.mp4", start: 3.5, end: 7, options: OutputOptions(mode: .exact, height: 240),
            media: media)
        let args = plan.ffmpegArguments()
        #expect(plan.actualStart == 3.5 && plan.fallbackReason == nil)
        // A quarter frame early (1/120 s), so FFmpeg keeps the frame that starts at 3.5.
        #expect(args.containsSequence(["-ss", "3.491667"] + InputPolicy.input("in.mp4") + ["-t", "3.500000"]))
        #expect(
            args.containsSequence(["-c:v", "libx264"]) && args.containsSequence(["-vf", "scale=-2:240,format=yuv420p"]))
        #expect(args.containsSequence(["-c:a", "aac"]))
    }

    @Test func exactStartsSnapToTheFrameOnScreen() {
        let plan = CutPlan(
            input: "in", output: "out", start: 3.51, end: 7, options: OutputOptions(mode: .exact), media: media)
        #expect(plan.actualStart == 3.5)
        #expect(plan.outputDuration == 3.5)
        #expect(CutPlan.frameStart(containing: 101.0 / 30, fps: 30) == 101.0 / 30)
    }

    /// A clip of several ranges: cut exact from the first range's frame, only the ranges' frames
    /// kept (select), a keyframe or smart request falling back with its reason.
    @Test func joinedRangesAreCutExactAndSelectOnlyTheirFrames() {
        var plan = CutPlan(
            input: "in", output: "out", start: 3.51, end: 9, options: OutputOptions(mode: .keyframe), media: media)
        #expect(plan.actualStart == 2)
        plan.join([TimeRange(start: 3.51, end: 5), TimeRange(start: 8, end: 9), TimeRange(start: 9, end: 30)])
        #expect(plan.mode == .exact && plan.fallbackReason?.contains("several ranges") == true)
        #expect(plan.actualStart == 3.5)
        #expect(
            plan.keptRanges == [TimeRange(start: 3.5, end: 5), TimeRange(start: 8, end: 9)], "past the end: dropped")
        #expect(abs(plan.renderedDuration - 2.5) < 1e-9)
        #expect(plan.ffmpegArguments().contains { $0.contains("select='between(t") })
    }

    @Test func chapterMetadataIsInMillisecondsWithTitlesEscaped() {
        let text = ChapterWriter.metadata([
            Chapter(start: 0, end: 2.5, title: "a=b; #1 \\ end"), Chapter(start: 2.5, end: 7.25, title: "Part 2"),
        ])
        #expect(
            text
                == ";FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=2500\ntitle=a\\=b\\; \\#1 \\\\ end\n"
                + "[CHAPTER]\nTIMEBASE=1/1000\nSTART=2500\nEND=7250\ntitle=Part 2\n")
    }

    @Test func smartFallsBackToExactAndSaysWhy() {
        let plan = CutPlan(
            input: "in", output: "out", start: 1, end: 2, options: OutputOptions(mode: .smart), media: media)
        #expect(plan.mode == .exact)
        #expect(plan.fallbackReason != nil)
    }

    @Test func endIsClampedToTheSource() {
        let plan = CutPlan(
            input: "in", output: "out", start: 19, end: 20.01, options: OutputOptions(mode: .exact), media: media)
        #expect(plan.end == 20)
    }

    @Test func noAudioMapsNoAudio() {
        var silent = media
        silent.audio = []
        let args = CutPlan(
            input: "in", output: "out", start: 1, end: 2, options: OutputOptions(mode: .exact), media: silent
        ).ffmpegArguments()
        #expect(!args.contains("-c:a"))
        #expect(args.filter { $0 == "-map" }.count == 1)
    }

    func plan(_ options: OutputOptions, media: MediaInfo? = nil) -> CutPlan {
        CutPlan(input: "in.mp4", output: "out", start: 2, end: 12, options: options, media: media ?? self.media)
    }

    @Test func verticalCropFollowsCropX() {
        let filters = plan(OutputOptions(mode: .exact, aspect: .vertical, cropX: 0)).videoFilters()
        #expect(filters.first?.hasPrefix("crop=w='if(gt(iw/ih,0.5625),trunc(ih*0.5625/2)*2") == true)
        #expect(filters.first?.contains(":x='(iw-ow)*0'") == true)
    }

    @Test func nonSquarePixelsAreMadeSquareFirst() {
        var anamorphic = media
        anamorphic.video?.sampleAspectRatio = .init(numerator: 4, denominator: 3)
        let filters = plan(OutputOptions(mode: .exact, aspect: .square), media: anamorphic).videoFilters()
        #expect(filters.first == "scale=trunc(iw*sar/2)*2:ih,setsar=1")
        #expect(filters[1].hasPrefix("crop="))
    }

    @Test func fpsCapOnlyLowers() {
        #expect(plan(OutputOptions(mode: .exact, fps: 24)).videoFilters().contains("fps=24"))
        #expect(!plan(OutputOptions(mode: .exact, fps: 60)).videoFilters().contains { $0.hasPrefix("fps=") })
    }

    @Test func fadesInAndOutOnBothStreams() {
        let p = plan(OutputOptions(mode: .exact, fadeSeconds: 1.5))
        #expect(p.videoFilters().suffix(2) == ["fade=t=in:st=0:d=1.5", "fade=t=out:st=8.5:d=1.5"])
        #expect(p.audioFilters() == ["afade=t=in:st=0:d=1.5", "afade=t=out:st=8.5:d=1.5"])
    }

    @Test func loudnormSecondPassUsesTheMeasurement() {
        var p = plan(OutputOptions(mode: .exact, normalizeAudio: true, targetLUFS: -16))
        p.loudness = LoudnessMeasurement(integrated: -23.5, truePeak: -4.2, range: 6.1, threshold: -34, offset: 0.4)
        let loudnorm = p.audioFilters()[0]
        #expect(loudnorm.hasPrefix("loudnorm=I=-16:TP=-1.5:LRA=11:measured_I=-23.5:measured_TP=-4.2"))
        #expect(loudnorm.hasSuffix(":offset=0.4:linear=true"))
        #expect(p.audioFilters().last == "aresample=48000")
    }

    @Test func webmIsVP9AndOpus() {
        let args = plan(OutputOptions(format: .webm, mode: .exact)).ffmpegArguments()
        #expect(
            args.containsSequence(["-c:v", "libvpx-vp9"]) && args.containsSequence(["-c:a", "libopus"])
                && args.containsSequence(["-f", "webm"]))
    }

    @Test func gifUsesAPaletteAndNoAudio() throws {
        let p = plan(OutputOptions(format: .gif, mode: .exact))
        let args = p.ffmpegArguments()
        let index = try #require(args.firstIndex(of: "-filter_complex"))
        let graph: String? = args[index + 1]
        #expect(graph?.contains("palettegen") == true && graph?.contains("paletteuse") == true)
        #expect(graph?.contains("fps=15") == true, "gif defaults to 15 fps")
        #expect(args.contains("-an") && p.audioStreamIndex == nil)
        #expect(p.encoderName == "gif")
    }

    @Test func nvencDecodesAndEncodesOnTheGPU() {
        var p = plan(OutputOptions(mode: .exact))
        p.encoder = .nvenc
        let args = p.ffmpegArguments()
        #expect(
            args.containsSequence(["-hwaccel", "cuda"]) && args.firstIndex(of: "-hwaccel")! < args.firstIndex(of: "-i")!
        )
        #expect(args.containsSequence(["-c:v", "h264_nvenc"]) && !args.contains("libx264"))
        #expect(p.encoderName == "h264_nvenc")
    }

    @Test func aScaleAloneStaysInGPUMemory() {
        var p = plan(OutputOptions(mode: .exact, height: 240))
        p.encoder = .nvenc
        let args = p.ffmpegArguments()
        #expect(args.containsSequence(["-hwaccel", "cuda", "-hwaccel_output_format", "cuda"]))
        #expect(args.containsSequence(["-vf", "scale_cuda=-2:240"]), "\(args)")
        #expect(!args.joined(separator: " ").contains("format=yuv420p"))
        // A crop, captions or a fade need the CPU's filters: frames come back to system memory.
        for options in [
            OutputOptions(mode: .exact, aspect: .vertical), OutputOptions(mode: .exact, fadeSeconds: 1),
            OutputOptions(mode: .exact, enhance: Enhancement(deband: true)),
        ] {
            var q = plan(options)
            q.encoder = .nvenc
            let other = q.ffmpegArguments()
            #expect(!other.contains("-hwaccel_output_format") && !other.joined().contains("scale_cuda"), "\(other)")
            #expect(other.containsSequence(["-hwaccel", "cuda"]))
        }
        // Software encoding never asks for CUDA frames.
        #expect(!plan(OutputOptions(mode: .exact, height: 240)).ffmpegArguments().contains("-hwaccel"))
    }

    @Test func loudnormJSONIsParsed() {
        let stderr = """
            [Parsed_loudnorm_0 @ 0x1]
            {
            	"input_i" : "-23.54",
            	"input_tp" : "-4.10",
            	"input_lra" : "5.90",
            	"input_thresh" : "-34.00",
            	"output_i" : "-14.10",
            	"target_offset" : "0.10"
            }
            """
        #expect(
            LoudnessMeter.parse(stderr)
                == LoudnessMeasurement(integrated: -23.54, truePeak: -4.1, range: 5.9, threshold: -34, offset: 0.1))
        #expect(LoudnessMeter.parse("no json here") == nil)
    }

    @Test func storyboardCuesPointIntoTheSprite() {
        var long = media
        long.duration = 250
        let board = Storyboard(media: long)
        #expect(
            board.interval == 3 && board.tiles == 84 && board.columns == 10 && board.rows == 9 && board.tileHeight == 90
        )
        let vtt = board.webVTT(spriteURL: "/s.jpg", duration: 250)
        #expect(vtt.hasPrefix("WEBVTT\n\n00:00:00.000 --> 00:00:03.000\n/s.jpg#xywh=0,0,160,90\n"))
        #expect(vtt.contains("00:00:33.000 --> 00:00:36.000\n/s.jpg#xywh=160,90,160,90"))
        #expect(vtt.hasSuffix("00:04:09.000 --> 00:04:10.000\n/s.jpg#xywh=480,720,160,90\n"))
    }

    @Test func progressIsMonotonicAndEndsAtOne() {
        let seen = Collected()
        let tracker = ProgressTracker(duration: 10) { seen.append($0) }
        for line in [
            "out_time_us=2000000", "frame=10", "out_time_us=1000000", "out_time_us=5000000", "out_time_us=N/A",
        ] {
            tracker.consume(line)
        }
        tracker.finish()
        #expect(seen.values == [0.2, 0.5, 1])
    }

    @Test func ffmpegReasonDropsPathsAndContextTags() {
        #expect(
            MediaError.reason(fromStderr: "/tmp/x/in.mp4: Invalid data found when processing input\n")
                == "Invalid data found when processing input")
        #expect(MediaError.reason(fromStderr: "[mov,mp4,m4a @ 0x55] moov atom not found") == "moov atom not found")
    }
}

final class Collected: Sendable {
    private let storage = Mutex<[Double]>([])
    var values: [Double] { storage.withLock { $0 } }
    func append(_ value: Double) { storage.withLock { $0.append(value) } }
}

extension Array where Element: Equatable {
    func containsSequence(_ sequence: [Element]) -> Bool {
        guard sequence.count <= count else { return false }
        return (0...(count - sequence.count)).contains { Array(self[$0..<($0 + sequence.count)]) == sequence }
    }
}
