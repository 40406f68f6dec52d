import ClipGenCore
import Foundation
import TestSupport
import Testing

@testable import MediaEngine

@Suite struct SmartCutPlanningTests {
    let media = MediaInfo(
        duration: 40, startTime: 0, formatName: "mov,mp4",
        video: .init(
            index: 0, codec: "h264", width: 640, height: 360, fps: 30, rotation: 0, sampleAspectRatio: .square,
            pixelFormat: "yuv420p", profile: "High", reorderDelay: 2, level: 30, constantFrameRate: true),
        audio: [.init(index: 1, codec: "aac", channels: 2, sampleRate: 48000, isDefault: true)],
        keyframeTimes: [0, 10, 20, 30])

    @Test func splitsIntoHeadCopiedGOPsAndTail() throws {
        let plan = CutPlan(input: "in", output: "out", start: 7.51, end: 33, options: OutputOptions(), media: media)
        let cut = try #require(plan.smartCut)
        #expect(plan.mode == .smart && plan.actualStart == 7.5 && plan.fallbackReason == nil)
        #expect(
            cut.headFrames == 75 && cut.middleStart == 10 && cut.middleFrames == 600 && cut.tailStart == 30
                && cut.tailFrames == 90)
        #expect(
            cut.matchedEncoder.containsSequence([
                "-profile:v", "high", "-level:v", "3.0", "-pix_fmt", "yuv420p", "-bf", "2",
            ]))
        let middle = cut.middleArguments(input: "in", output: "m.ts")
        #expect(
            middle.containsSequence(["-frames:v", "600", "-c", "copy", "-bsf:v", "h264_mp4toannexb"])
                && middle.contains("-copyts"))
        let join = cut.joinArguments(pieces: ["h.ts", "m.ts", "t.ts"], plan: plan)
        #expect(join.containsSequence(["-i", "concat:h.ts|m.ts|t.ts"]) && join.containsSequence(["-tag:v", "avc3"]))
        #expect(join.containsSequence(["-map", "1:1"]), "audio comes from the source in one piece")
    }

    @Test(arguments: [
        (OutputOptions(aspect: .vertical), "cropping"),
        (OutputOptions(format: .webm), "webm"),
        (OutputOptions(fadeSeconds: 1), "fades"),
    ])
    func optionsThatChangePicturesFallBack(options: OutputOptions, mentioned: String) {
        let plan = CutPlan(input: "in", output: "out", start: 5, end: 25, options: options, media: media)
        #expect(plan.mode == .exact && plan.smartCut == nil)
        #expect(plan.fallbackReason?.contains(mentioned) == true, "\(plan.fallbackReason ?? "")")
    }

    @Test func sourcesThatCannotBeMatchedFallBack() {
        var hevc = media
        hevc.video?.codec = "hevc"
        var variable = media
        variable.video?.constantFrameRate = false
        var tenBit = media
        tenBit.video?.pixelFormat = "yuv422p10le"
        for (source, mentioned) in [(hevc, "hevc"), (variable, "constant frame rate"), (tenBit, "4:2:0")] {
            let plan = CutPlan(input: "in", output: "out", start: 5, end: 25, options: OutputOptions(), media: source)
            #expect(
                plan.mode == .exact && plan.fallbackReason?.contains(mentioned) == true, "\(plan.fallbackReason ?? "")")
        }
    }

    @Test func withoutBFramesTheCopyRunsToTheEnd() throws {
        var noB = media
        noB.video?.reorderDelay = 0
        let plan = CutPlan(input: "in", output: "out", start: 7.5, end: 33, options: OutputOptions(), media: noB)
        let cut = try #require(plan.smartCut)
        #expect(cut.headFrames == 75 && cut.middleFrames == 690 && cut.tailFrames == 0)
        #expect(cut.matchedEncoder.containsSequence(["-bf", "0"]))
    }

    @Test func copyablePrefixStopsWhereFramesWouldBeMissing() {
        // x264 with a B-pyramid, decode order: I0 P4 B2 b1 b3 P8 B6 b5 b7 …
        let order = [0, 4, 2, 1, 3, 8, 6, 5, 7, 12, 10, 9, 11].map { Double($0) / 30 }
        #expect(SmartCut.copyablePrefix(order, fps: 30, limit: 100) == 13, "whole mini-GOPs")
        #expect(
            SmartCut.copyablePrefix(order, fps: 30, limit: 11) == 9,
            "frames 0…8 copy; 9 and 10 need P12, so they are re-encoded")
        #expect(SmartCut.copyablePrefix(order, fps: 30, limit: 4) == 1, "only the keyframe stands alone before P4")
        #expect(SmartCut.copyablePrefix([], fps: 30, limit: 10) == 0)
    }

    @Test func aClipInsideOneGOPIsReencoded() {
        let plan = CutPlan(input: "in", output: "out", start: 12, end: 18, options: OutputOptions(), media: media)
        #expect(plan.mode == .exact && plan.fallbackReason?.contains("no whole group") == true)
    }
}

/// The issue's check: decode the smart clip and the source range and compare every frame.
@Suite(.serialized) struct SmartCutMediaTests {
    @Test(arguments: [
        ("gop2s.mp4", 3.51, 9.3), ("longgop.mp4", 7.5, 33.0), ("longgop.mp4", 10.0, 20.0), ("gop2s.mp4", 0.0, 20.0),
        ("longgop-nob.mp4", 7.5, 33.2), ("longgop-nob.mp4", 12.0, 27.0),
    ])
    func everyFrameMatchesTheSource(name: String, start: Double, end: Double) async throws {
        let source = try await TestMedia.shared.path(name)
        try await withTemporaryDirectory { dir in
            let media = try await Prober().probe(source)
            let smart = CutPlan(
                input: source, output: dir + "/smart.mp4", start: start, end: end, options: OutputOptions(mode: .smart),
                media: media)
            let cut = try #require(smart.smartCut, "\(smart.fallbackReason ?? "")")
            try await Cutter().render(smart)
            let exact = CutPlan(
                input: source, output: dir + "/exact.mp4", start: start, end: end, options: OutputOptions(mode: .exact),
                media: media)
            try await Cutter().render(exact)

            let frames = try FrameCompare.videoFrameCount(smart.output)
            #expect(frames == (try FrameCompare.videoFrameCount(exact.output)), "same frame count as the exact cut")
            #expect(frames == cut.totalFrames)
            let psnr = try FrameCompare.perFramePSNR(
                clip: smart.output, source: source, firstSourceFrame: Int((smart.actualStart * 30).rounded()),
                count: frames)
            #expect(psnr.count == frames)
            #expect(psnr.allSatisfy { $0 >= 35 }, "worst frame \(psnr.min() ?? 0) dB")
            // Copied frames are the source's, bit for bit: at least the whole GOPs, and most of the
            // last GOP too (only its trailing B-frames are re-encoded).
            let identical = psnr.filter(\.isInfinite).count
            #expect(identical >= cut.middleFrames)
            if cut.tailFrames > 10 {
                #expect(identical > cut.middleFrames + cut.tailFrames / 2, "\(identical) of \(frames) copied")
            }
            #expect(abs(try await Prober().duration(of: smart.output) - (end - smart.actualStart)) < 1.0 / 30 + 0.001)
            // The stream decodes without errors from start to end.
            let decode = try Shell.run("ffmpeg", ["-v", "error", "-i", smart.output, "-f", "null", "-"])
            #expect(decode.status == 0 && decode.stderr.isEmpty, "\(decode.stderr)")
        }
    }
}
