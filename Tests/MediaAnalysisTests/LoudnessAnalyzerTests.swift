import ClipGenCore
import Foundation
import MediaEngine
import Testing

@testable import MediaAnalysis

@Suite struct LoudnessAnalyzerTests {
    func sine(frequency: Double, amplitude: Double, seconds: Double, channels: Int, phase: Double = 0) -> [Float] {
        let count = Int(seconds * 48_000)
        var samples = [Float](repeating: 0, count: count * channels)
        for i in 0..<count {
            let x = Float(amplitude * sin(2 * Double.pi * frequency * Double(i) / 48_000 + phase))
            for c in 0..<channels { samples[i * channels + c] = x }
        }
        return samples
    }

    func analyse(_ samples: [Float], channels: Int) -> LoudnessAnalyzer.Findings {
        let analyzer = LoudnessAnalyzer(channels: channels, step: 0.5)
        // In uneven pieces, as a pipe delivers them.
        var offset = 0
        for size in [channels * 1000, channels * 7, channels * 48_000] where offset < samples.count {
            let end = min(samples.count, offset + size)
            samples[offset..<end].withUnsafeBufferPointer { analyzer.consume($0) }
            offset = end
        }
        samples[offset...].withUnsafeBufferPointer { analyzer.consume($0) }
        return analyzer.finish()
    }

    /// EBU Tech 3341's first case: a 1 kHz sine at −23 dBFS on both channels reads −23 LUFS.
    @Test func ebuReferenceTone() throws {
        let amplitude = pow(10, -23.0 / 20)
        let findings = analyse(sine(frequency: 1000, amplitude: amplitude, seconds: 20, channels: 2), channels: 2)
        #expect(abs(try #require(findings.integrated) - -23) < 0.1, "\(String(describing: findings.integrated))")
        #expect(try #require(findings.range) < 0.2)
        #expect(abs(findings.seconds - 20) < 0.001)
        #expect(findings.silences.isEmpty)
    }

    /// The true peak sees between samples: a sine at a quarter of the rate, sampled 45° off its crests.
    @Test func truePeakFindsInterSamplePeaks() throws {
        let findings = analyse(
            sine(frequency: 12_000, amplitude: 0.5, seconds: 1, channels: 1, phase: Double.pi / 4), channels: 1)
        let samplePeak = 20 * log10(0.5 * sin(Double.pi / 4))
        let truePeak = try #require(findings.truePeak)
        #expect(truePeak > samplePeak + 2, "true peak \(truePeak) vs sample peak \(samplePeak)")
        #expect(abs(truePeak - 20 * log10(0.5)) < 0.5)
    }

    @Test func gatingIgnoresSilenceAndFindsIt() throws {
        let amplitude = pow(10, -20.0 / 20)
        let tone = sine(frequency: 1000, amplitude: amplitude, seconds: 5, channels: 1)
        let quiet = [Float](repeating: 0, count: 48_000 * 3)
        let findings = analyse(tone + quiet + tone, channels: 1)
        // Mono counts once: a −20 dBFS sine is −23 LUFS; the silence is gated out.
        #expect(abs(try #require(findings.integrated) - -23.0) < 0.25)
        #expect(findings.silences.count == 1)
        let silence = try #require(findings.silences.first)
        #expect(abs(silence.start - 5) <= 0.1 && abs(silence.end - 8) <= 0.1, "\(silence)")
        #expect(findings.curve.contains { $0.momentaryLUFS < -100 })
    }

    @Test func digitalSilenceHasNoLoudness() {
        let findings = analyse([Float](repeating: 0, count: 48_000 * 2), channels: 2)
        #expect(findings.integrated == nil && findings.range == nil && findings.truePeak == nil)
    }
}

@Suite struct HighlightPickerTests {
    func analysis(duration: Double, loud: ClosedRange<Double>? = nil, cuts: [Double] = [], silences: [TimeRange] = [])
        -> Analysis
    {
        let step = 0.5
        let steps = Int((duration / step).rounded(.up))
        let curve = (0..<steps).map { i -> Analysis.Loudness.Sample in
            let t = Double(i) * step
            return .init(
                time: t,
                momentaryLUFS: silences.contains { $0.contains(t + 0.25) }
                    ? -120 : (loud?.contains(t) == true ? -10 : -25))
        }
        let scenes = zip([0] + cuts, cuts + [duration]).map { TimeRange(start: $0, end: $1) }
        return Analysis(
            duration: duration, fps: 30, cuts: cuts.map { .init(time: $0, frame: Int($0 * 30), score: 5) },
            scenes: scenes,
            loudness: .init(integratedLUFS: -24, rangeLU: 5, truePeakDBTP: -3, curve: curve), silences: silences,
            motion: (0..<steps).map { .init(time: Double($0) * step, value: 2) }, step: step)
    }

    @Test func picksTheLoudStretchAndSnapsToCuts() throws {
        let picker = HighlightPicker(analysis: analysis(duration: 120, loud: 60...80, cuts: [10, 58.5, 81, 100]))
        let picks = picker.pick(.init(count: 1, minDuration: 15, maxDuration: 25))
        let best = try #require(picks.first)
        #expect(best.start == 58.5 && best.end == 81, "\(best)")
        #expect(best.end - best.start >= 15 && best.end - best.start <= 25)
        #expect(min(best.end, 80) - max(best.start, 60) >= 14, "\(best)")
        #expect(best.reason.hasPrefix("loudest stretch of the video"), "\(best.reason)")
    }

    @Test func manyPicksNeverOverlapAndStayInBounds() {
        let picker = HighlightPicker(
            analysis: analysis(
                duration: 300, loud: 100...130, cuts: stride(from: 7.0, to: 300, by: 13).map { $0 },
                silences: [.init(start: 40, end: 42), .init(start: 200, end: 201)]))
        let picks = picker.pick(.init(count: 5, minDuration: 20, maxDuration: 40))
        #expect(picks.count == 5)
        for pick in picks {
            #expect(
                pick.end - pick.start >= 20 - 1e-6 && pick.end - pick.start <= 40 + 1e-6 && pick.start >= 0
                    && pick.end <= 300)
            #expect((0...1).contains(pick.score))
        }
        for (a, b) in zip(picks, picks.dropFirst()) { #expect(a.end <= b.start) }
    }

    @Test func aVideoShorterThanTheMinimumIsOneHighlight() {
        let picks = HighlightPicker(analysis: analysis(duration: 9)).pick(
            .init(count: 3, minDuration: 15, maxDuration: 60))
        #expect(
            picks == [
                Highlight(start: 0, end: 9, score: 1, reason: "the whole video (it is shorter than the 15 s asked for)")
            ])
    }

    @Test func rangesPastTheEndAreIgnored() {
        let picks = HighlightPicker(
            analysis: analysis(duration: 40, silences: [.init(start: 40.2, end: 41), .init(start: 39, end: 40.4)])
        )
        .pick(.init(count: 1, minDuration: 10, maxDuration: 20))
        #expect(picks.count == 1 && picks[0].end <= 40)
    }

    @Test(arguments: [20.2...24.66, 0.0...4.0, 10.0...14.0])
    func windowsAtTheEdgesKeepTheAskedLength(loud: ClosedRange<Double>) {
        // Found by hand: 5–10 s highlights of a 24.66 s source gave one of 4.66 s, its last step
        // cut off at the end of the video.
        let duration = 24.66
        let picks = HighlightPicker(analysis: analysis(duration: duration, loud: loud, cuts: [3.3, 12.2]))
            .pick(.init(count: 4, minDuration: 5, maxDuration: 10))
        #expect(!picks.isEmpty)
        for pick in picks {
            #expect(
                pick.end - pick.start >= 5 - 1e-6 && pick.end - pick.start <= 10 + 1e-6 && pick.start >= 0
                    && pick.end <= duration, "\(picks)")
        }
    }

    @Test func asManyAsFit() {
        let picks = HighlightPicker(analysis: analysis(duration: 50)).pick(
            .init(count: 5, minDuration: 20, maxDuration: 30))
        #expect(picks.count == 2)
    }
}

@Suite struct AnalysisArgumentTests {
    func media(constantFrameRate: Bool, width: Int = 1280, height: Int = 720, rotation: Int = 0) -> MediaInfo {
        MediaInfo(
            duration: 60, startTime: 0, formatName: "mov,mp4",
            video: .init(
                index: 0, codec: "h264", width: width, height: height, fps: 30, rotation: rotation,
                sampleAspectRatio: .square, pixelFormat: "yuv420p", profile: "High",
                constantFrameRate: constantFrameRate),
            audio: [], keyframeTimes: [0, 2, 4])
    }

    @Test func framesAreSmallAndResampledOnlyWhenTheRateIsUnproven() {
        let analyzer = MediaAnalyzer()
        #expect(analyzer.frameSize(for: media(constantFrameRate: true)) == (160, 90))
        #expect(analyzer.frameSize(for: media(constantFrameRate: true, rotation: 90)) == (160, 284))
        let cfr = analyzer.videoArguments(
            "in.mp4", media: media(constantFrameRate: true, width: 640, height: 360), width: 160, height: 90)
        #expect(
            cfr.contains("scale=160:90:flags=area,format=yuv420p") && cfr.suffix(3) == ["-f", "rawvideo", "pipe:1"])
        let vfr = analyzer.videoArguments(
            "in.mkv", media: media(constantFrameRate: false, width: 640, height: 360), width: 160, height: 90)
        #expect(vfr.contains("fps=30.0,scale=160:90:flags=area,format=yuv420p"))
        // A large picture is shrunk cheaply to twice the size first, and decoded without deblocking.
        let large = analyzer.videoArguments("in.mp4", media: media(constantFrameRate: true), width: 160, height: 90)
        #expect(large.contains("scale=320:180:flags=fast_bilinear,scale=160:90:flags=area,format=yuv420p"))
        #expect(large.firstIndex(of: "-skip_loop_filter").map { large[$0 + 1] == "all" } == true)
        #expect(analyzer.audioArguments("in.mp4", map: "0:1", channels: 6).contains("2"))
        #expect(MediaAnalyzer.step(forDuration: 30) == 0.5 && MediaAnalyzer.step(forDuration: 7200) == 2)
    }

    @Test func qualityComparesWithTheSameFiltersAndParsesFFmpegsSummary() {
        let plan = CutPlan(
            input: "src.mp4", output: "clip.mp4", start: 2, end: 4,
            options: OutputOptions(mode: .exact, aspect: .square, height: 360), media: media(constantFrameRate: true))
        let args = plan.qualityArguments(clip: "clip.mp4")
        let graph = args[args.firstIndex(of: "-filter_complex")! + 1]
        #expect(
            graph.contains("crop=") && graph.contains("scale=-2:360") && graph.contains("psnr=shortest=1")
                && graph.contains("ssim=shortest=1"))
        #expect(
            Array(args[(args.firstIndex(of: "src.mp4")! - 9)...args.firstIndex(of: "src.mp4")!])
                == ["-ss", "1.991667", "-t", "2.000000"] + InputPolicy.input("src.mp4"))
        let stderr = """
            [Parsed_ssim_10 @ 0x1] SSIM Y:0.998571 (28.45) U:0.997686 (26.35) V:0.997945 (26.87) All:0.998319 (27.74)
            [Parsed_psnr_9 @ 0x2] PSNR y:40.509883 u:35.217833 v:38.476119 average:38.758871 min:20.834954 max:inf
            """
        #expect(QualityMeter.parse(stderr)! == (38.76, 0.9983))
        #expect(
            QualityMeter.parse("PSNR y:inf u:inf v:inf average:inf min:inf max:inf\nSSIM Y:1 (inf) All:1.000000 (inf)")!
                == (100, 1))
        #expect(QualityMeter.parse("Conversion failed!") == nil)
    }
}
