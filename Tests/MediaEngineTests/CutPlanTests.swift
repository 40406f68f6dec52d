import ClipGenCore
import Foundation
@testable import MediaEngine
import Testing

@Suite struct CutPlanTests {
    let media = MediaInfo(
        duration: 20, startTime: 0, formatName: "mov,mp4",
        video: .init(index: 0, codec: "h264", width: 640, height: 360, fps: 30, rotation: 0, sampleAspectRatio: .square, pixelFormat: "yuv420p", profile: "High"),
        audio: [.init(index: 1, codec: "aac", channels: 2, sampleRate: 48000, isDefault: false),
                .init(index: 2, codec: "aac", channels: 2, sampleRate: 48000, isDefault: true)],
        keyframeTimes: [0, 2, 4, 6])

    @Test func keyframeModeCopiesFromTheKeyframeBeforeStart() {
        let plan = CutPlan(input: "in.mp4", output: "out.mp4", start: 3.5, end: 7, options: OutputOptions(mode: .keyframe), media: media)
        #expect(plan.actualStart == 2)
        let args = plan.ffmpegArguments()
        #expect(args.containsSequence(["-ss", "2.000000", "-i", "in.mp4", "-t", "5.000000"]))
        #expect(args.containsSequence(["-c", "copy"]))
        #expect(args.containsSequence(["-map", "0:2"]), "uses the default audio track")
        #expect(!args.contains("libx264"))
    }

    @Test func startOnAKeyframeStaysThere() {
        #expect(media.keyframe(atOrBefore: 4) == 4)
        #expect(media.keyframe(atOrBefore: 3.99) == 2)
    }

    @Test func exactModeReencodesFromStart() {
        let plan = CutPlan(input: "in.mp4", output: "out.mp4", start: 3.5, end: 7, options: OutputOptions(mode: .exact, height: 240), media: media)
        let args = plan.ffmpegArguments()
        #expect(plan.actualStart == 3.5 && plan.fallbackReason == nil)
        // A quarter frame early (1/120 s), so FFmpeg keeps the frame that starts at 3.5.
        #expect(args.containsSequence(["-ss", "3.491667", "-i", "in.mp4", "-t", "3.500000"]))
        #expect(args.containsSequence(["-c:v", "libx264"]) && args.containsSequence(["-vf", "scale=-2:240"]))
        #expect(args.containsSequence(["-c:a", "aac"]))
    }

    @Test func exactStartsSnapToTheFrameOnScreen() {
        let plan = CutPlan(input: "in", output: "out", start: 3.51, end: 7, options: OutputOptions(mode: .exact), media: media)
        #expect(plan.actualStart == 3.5)
        #expect(plan.outputDuration == 3.5)
        #expect(CutPlan.frameStart(containing: 101.0 / 30, fps: 30) == 101.0 / 30)
    }

    @Test func smartFallsBackToExactAndSaysWhy() {
        let plan = CutPlan(input: "in", output: "out", start: 1, end: 2, options: OutputOptions(mode: .smart), media: media)
        #expect(plan.mode == .exact)
        #expect(plan.fallbackReason != nil)
    }

    @Test func endIsClampedToTheSource() {
        let plan = CutPlan(input: "in", output: "out", start: 19, end: 20.01, options: OutputOptions(mode: .exact), media: media)
        #expect(plan.end == 20)
    }

    @Test func noAudioMapsNoAudio() {
        var silent = media
        silent.audio = []
        let args = CutPlan(input: "in", output: "out", start: 1, end: 2, options: OutputOptions(mode: .exact), media: silent).ffmpegArguments()
        #expect(!args.contains("-c:a"))
        #expect(args.filter { $0 == "-map" }.count == 1)
    }

    @Test func progressIsMonotonicAndEndsAtOne() {
        let seen = Collected()
        let tracker = ProgressTracker(duration: 10) { seen.append($0) }
        for line in ["out_time_us=2000000", "frame=10", "out_time_us=1000000", "out_time_us=5000000", "out_time_us=N/A"] {
            tracker.consume(line)
        }
        tracker.finish()
        #expect(seen.values == [0.2, 0.5, 1])
    }

    @Test func ffmpegReasonDropsPathsAndContextTags() {
        #expect(MediaError.reason(fromStderr: "/tmp/x/in.mp4: Invalid data found when processing input\n") == "Invalid data found when processing input")
        #expect(MediaError.reason(fromStderr: "[mov,mp4,m4a @ 0x55] moov atom not found") == "moov atom not found")
    }
}

final class Collected: Sendable {
    private let storage = Mutex<[Double]>([])
    var values: [Double] { storage.withLock { $0 } }
    func append(_ value: Double) { storage.withLock { $0.append(value) } }
}

import Synchronization

extension Array where Element: Equatable {
    func containsSequence(_ sequence: [Element]) -> Bool {
        guard sequence.count <= count else { return false }
        return (0...(count - sequence.count)).contains { Array(self[$0..<($0 + sequence.count)]) == sequence }
    }
}
