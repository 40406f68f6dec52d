import ClipGenCore
import Foundation
import MediaEngine
import TestSupport
import Testing

/// Every repair of `output.enhance`, checked by what it measurably does to the clip, against
/// the plain render of the same range.
@Suite(.serialized) struct EnhancementTests {
    /// Renders `name` from `start` to `end` in exact mode with `enhance` into `dir`.
    func render(
        _ name: String, _ enhance: Enhancement?, to dir: String, start: Double = 0, end: Double? = nil,
        mode: CutMode = .exact
    ) async throws -> (path: String, plan: CutPlan) {
        let source = try await TestMedia.shared.path(name)
        let media = try await Prober().probe(source)
        let output = dir + "/\(UUID().uuidString).mp4"
        let plan = CutPlan(
            input: source, output: output, start: start, end: end ?? media.duration,
            options: OutputOptions(mode: mode, enhance: enhance), media: media)
        try await Cutter().render(plan)
        return (output, plan)
    }

    @Test(arguments: [(Enhancement.DenoiseMethod.hqdn3d, 0.8), (.nlmeans, 3.0)])
    func denoisingBringsANoisySourceCloserToTheCleanOne(method: Enhancement.DenoiseMethod, gain: Double)
        async throws
    {
        try await withTemporaryDirectory { dir in
            let clean = try await TestMedia.shared.path("clean.mp4")
            let plain = try await render("noisy.mp4", nil, to: dir).path
            let denoised = try await render("noisy.mp4", Enhancement(denoise: .init(method: method)), to: dir).path
            let (before, after) = (
                try MediaMeasure.psnr(plain, against: clean), try MediaMeasure.psnr(denoised, against: clean)
            )
            #expect(after > before + gain, "PSNR against the clean source: \(before) dB plain, \(after) dB denoised")
        }
    }

    @Test func audioDenoisingQuietsTheHissAndKeepsTheTone() async throws {
        try await withTemporaryDirectory { dir in
            let plain = try await render("noisy.mp4", nil, to: dir).path
            let denoised = try await render("noisy.mp4", Enhancement(audioDenoise: .init()), to: dir).path
            // The tone plays 0–4 s and stops 4–6 s, where only hiss is left.
            let hiss = (
                try MediaMeasure.rmsLevel(plain, from: 4.3, for: 1.4),
                try MediaMeasure.rmsLevel(denoised, from: 4.3, for: 1.4)
            )
            let tone = (
                try MediaMeasure.rmsLevel(plain, from: 0.5, for: 3),
                try MediaMeasure.rmsLevel(denoised, from: 0.5, for: 3)
            )
            #expect(hiss.1 < hiss.0 - 10, "hiss: \(hiss.0) dB plain, \(hiss.1) dB denoised")
            #expect(abs(tone.1 - tone.0) < 2, "tone: \(tone.0) dB plain, \(tone.1) dB denoised")
        }
    }

    @Test func anInterlacedSourceIsDeinterlacedUnlessTurnedOff() async throws {
        try await withTemporaryDirectory { dir in
            let source = try await TestMedia.shared.path("interlaced.mp4")
            #expect(try await Prober().probe(source).video?.interlaced == true)
            let combed = try MediaMeasure.combing(source)
            let auto = try await render("interlaced.mp4", nil, to: dir, mode: .smart)
            #expect(auto.plan.mode == .exact && auto.plan.fallbackReason?.contains("interlaced") == true)
            let kept = try await render("interlaced.mp4", Enhancement(deinterlace: .off), to: dir).path
            #expect(combed > 0.9)
            #expect(try MediaMeasure.combing(auto.path) < 0.2, "combed share after deinterlacing")
            #expect(try MediaMeasure.combing(kept) > 0.6, "deinterlace off keeps the fields")
            // A progressive source is left alone by auto, and `on` deinterlaces it anyway.
            let progressive = CutPlan(
                input: source, output: dir + "/p.mp4", start: 0, end: 1, options: OutputOptions(mode: .exact),
                media: try await Prober().probe(try await TestMedia.shared.path("clean.mp4")))
            #expect(!progressive.videoFilterChain.contains("bwdif"))
        }
    }

    @Test func stabilisingCutsTheFrameToFrameMotion() async throws {
        try await withTemporaryDirectory { dir in
            let plain = try await render("shaky.mp4", nil, to: dir).path
            let steady = try await render("shaky.mp4", Enhancement(stabilize: .init()), to: dir).path
            let (before, after) = (try MediaMeasure.motion(plain), try MediaMeasure.motion(steady))
            #expect(after < before / 2, "motion: \(before) px plain, \(after) px stabilised")
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).allSatisfy { !$0.hasSuffix(".trf") })
        }
    }

    @Test func upscalingEnlargesASmallPictureAndLeavesALargerOneAlone() async throws {
        try await withTemporaryDirectory { dir in
            let up = try await render("clean.mp4", Enhancement(upscale: .init(height: 720)), to: dir, end: 1).path
            #expect(try MediaMeasure.size(up) == (1280, 720))
            let same = try await render("clean.mp4", Enhancement(upscale: .init(height: 120)), to: dir, end: 1).path
            #expect(try MediaMeasure.size(same) == (320, 180))
        }
    }

    @Test(arguments: Enhancement.SharpenMethod.allCases)
    func sharpeningAddsFineDetail(method: Enhancement.SharpenMethod) async throws {
        try await withTemporaryDirectory { dir in
            let plain = try await render("clean.mp4", nil, to: dir, end: 2).path
            let sharp = try await render("clean.mp4", Enhancement(sharpen: .init(method: method)), to: dir, end: 2).path
            let (before, after) = (try MediaMeasure.detail(plain), try MediaMeasure.detail(sharp))
            #expect(after < before - 0.5, "PSNR against its own blur: \(before) dB plain, \(after) dB sharpened")
        }
    }

    @Test func debandingSmoothsTheStepsOfAGradient() async throws {
        try await withTemporaryDirectory { dir in
            let plain = try MediaMeasure.grayFrame(try await render("banded.mp4", nil, to: dir).path, index: 10)
            let smooth = try MediaMeasure.grayFrame(
                try await render("banded.mp4", Enhancement(deband: true), to: dir).path, index: 10)
            let (before, after) = (MediaMeasure.steps(plain, atLeast: 3), MediaMeasure.steps(smooth, atLeast: 3))
            #expect(after < before / 2, "band edges: \(before) plain, \(after) debanded")
        }
    }

    @Test func autoLevelsWidensAFlatPictureAndDynamicNormalizingEvensTheSound() async throws {
        try await withTemporaryDirectory { dir in
            let plain = try await render("lowcontrast.mp4", nil, to: dir).path
            let fixed = try await render(
                "lowcontrast.mp4", Enhancement(autoLevels: true, dynamicNormalize: true), to: dir
            ).path
            let (before, after) = (
                MediaMeasure.levelRange(try MediaMeasure.grayFrame(plain, index: 50)),
                MediaMeasure.levelRange(try MediaMeasure.grayFrame(fixed, index: 50))
            )
            #expect(Double(after) > Double(before) * 1.5, "grey levels spanned: \(before) plain, \(after) levelled")
            // Loud 0–2 s, 14 dB quieter 2–4 s.
            let spread = { (file: String) in
                try MediaMeasure.rmsLevel(file, from: 0.5, for: 1.4) - MediaMeasure.rmsLevel(file, from: 2.5, for: 1.4)
            }
            let (plainSpread, evenSpread) = (try spread(plain), try spread(fixed))
            #expect(
                evenSpread < plainSpread - 2, "loud minus quiet: \(plainSpread) dB plain, \(evenSpread) dB normalised")
        }
    }

    @Test func smartCutFallsBackToExactAndSaysWhyWhenEnhancing() async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        let media = try await Prober().probe(source)
        let plain = CutPlan(
            input: source, output: "/dev/null", start: 2.5, end: 9, options: OutputOptions(mode: .smart), media: media)
        #expect(plain.mode == .smart)
        let enhanced = CutPlan(
            input: source, output: "/dev/null", start: 2.5, end: 9,
            options: OutputOptions(mode: .smart, enhance: Enhancement(denoise: .init(), dynamicNormalize: true)),
            media: media)
        #expect(enhanced.mode == .exact)
        #expect(
            enhanced.fallbackReason
                == "enhancement (denoise, dynamicNormalize) changes every frame, so the clip was fully re-encoded")
    }
}
