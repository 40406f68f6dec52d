import ClipGenCore
import Foundation
import TestSupport
import Testing

@testable import MediaEngine

/// A brand kit's caption font and its intro and outro, rendered by FFmpeg and measured in the
/// frames and sound of the result.
@Suite(.serialized) struct BrandRenderTests {
    /// Mean absolute difference of two renders' grey frame `index`: 0 when the pictures are the same.
    static func difference(_ a: String, _ b: String, frame index: Int) throws -> Double {
        let (x, y) = (try MediaMeasure.grayFrame(a, index: index), try MediaMeasure.grayFrame(b, index: index))
        #expect(x.pixels.count == y.pixels.count)
        return Double(zip(x.pixels, y.pixels).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }) / Double(x.pixels.count)
    }

    /// gop2s.mp4 from 2 s to 5 s with one caption line in `style`'s face, captioned by a libass file
    /// naming `family` and, when given, the font directory `fonts`.
    func captioned(family: String, fonts: String?, in dir: String) async throws -> String {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        let media = try await Prober().probe(source)
        let output = dir + "/\(UUID().uuidString).mp4"
        let captions = CaptionOptions(style: .boxed, position: .middle, fontSize: 14)
        var plan = CutPlan(
            input: source, output: output, start: 2, end: 5, options: OutputOptions(mode: .exact, captions: captions),
            media: media)
        let words = ["Wide", "words", "iiii", "MMMM"].enumerated().map {
            Transcript.Word(start: 2.1 + Double($0.offset) * 0.1, end: 2.15 + Double($0.offset) * 0.1, text: $0.element)
        }
        let track = CaptionTrack(
            transcript: Transcript(model: "test", duration: 20, words: words), timeline: plan.timeline,
            maxWordsPerLine: 7)
        let file = dir + "/\(UUID().uuidString).ass"
        try ASSDocument(track: track, options: captions, width: 640, height: 360, font: family).text.write(
            toFile: file, atomically: true, encoding: .utf8)
        plan.captionsFile = file
        plan.captionFont = fonts.map { CaptionFont(family: family, directory: $0) }
        try await Cutter().render(plan)
        return output
    }

    @Test func captionsAreSetInTheBrandsFontFromItsOwnDirectory() async throws {
        try await withTemporaryDirectory { dir in
            let fonts = dir + "/fonts"
            try FileManager.default.createDirectory(atPath: fonts, withIntermediateDirectories: true)
            try BrandFont.write(to: fonts + "/brand.font")
            #expect(
                try FontFile.family(of: Data(contentsOf: URL(fileURLWithPath: fonts + "/brand.font")))
                    == BrandFont.family)

            let brand = try await captioned(family: BrandFont.family, fonts: fonts, in: dir)
            // The same face installed under its own name, and the default face.
            let system = try await captioned(family: BrandFont.systemFamily, fonts: nil, in: dir)
            let standard = try await captioned(family: ASSDocument.defaultFont, fonts: nil, in: dir)
            // Without the directory the name is unknown and libass falls back to another face.
            let unknown = try await captioned(family: BrandFont.family, fonts: nil, in: dir)
            // Frame 15 (2.5 s) shows the line.
            let same = try Self.difference(brand, system, frame: 15)
            let fromStandard = try Self.difference(brand, standard, frame: 15)
            let fromUnknown = try Self.difference(brand, unknown, frame: 15)
            #expect(same < 0.2, "the uploaded font against the same face installed: \(same)")
            #expect(fromStandard > 1, "against DejaVu Sans: \(fromStandard)")
            #expect(fromUnknown > 1, "against the name without its directory: \(fromUnknown)")
        }
    }

    /// A 1.5 s blue 4:3 intro with an 880 Hz tone, and a 1 s green 16:9 outro of twice the size with no sound.
    static func bookends(in dir: String) throws -> Bookends {
        let intro = dir + "/intro.mp4"
        let outro = dir + "/outro.mp4"
        for (arguments, file) in [
            (
                [
                    "-f", "lavfi", "-i", "color=c=blue:s=320x240:r=25:d=1.5", "-f", "lavfi", "-i",
                    "sine=f=880:sample_rate=44100:d=1.5", "-c:a", "aac", "-shortest",
                ], intro
            ),
            (["-f", "lavfi", "-i", "color=c=green:s=1280x720:r=60:d=1"], outro),
        ] {
            let made = try Shell.run("ffmpeg", ["-v", "error", "-y"] + arguments + ["-c:v", "libx264", file])
            #expect(made.status == 0, "\(made.stderr)")
        }
        return Bookends(
            intro: .init(path: intro, duration: 1.5, hasAudio: true),
            outro: .init(path: outro, duration: 1, hasAudio: false))
    }

    @Test func theIntroAndOutroAreJoinedInTheClipsPictureAndSound() async throws {
        try await withTemporaryDirectory { dir in
            let source = try await TestMedia.shared.path("gop2s.mp4")
            let media = try await Prober().probe(source)
            var plan = CutPlan(
                input: source, output: dir + "/joined.mp4", start: 2, end: 5, options: OutputOptions(mode: .smart),
                media: media)
            plan.bookends = try Self.bookends(in: dir)
            #expect(plan.mode == .exact && plan.fallbackReason?.contains("intro") == true)
            #expect(plan.introDuration == 1.5)
            try await Cutter().render(plan)

            let joined = try await Prober().probe(plan.output)
            #expect(abs(joined.duration - 5.5) < 0.1, "\(joined.duration)")
            #expect(joined.video?.width == 640 && joined.video?.height == 360)
            #expect(abs((joined.video?.fps ?? 0) - 30) < 0.01)
            #expect(joined.defaultAudio != nil)
            // 0.5 s: the intro, 480x360 in the middle, black bars either side.
            let intro = try MediaMeasure.rgbFrame(plan.output, index: 15)
            let middle = intro.pixel(x: 320, y: 180)
            #expect(middle.blue > 200 && middle.red < 60 && middle.green < 60, "\(middle)")
            let bar = intro.pixel(x: 20, y: 180)
            #expect(bar.red < 30 && bar.green < 30 && bar.blue < 30, "\(bar)")
            // 5 s: the outro filling the picture.
            let outro = try MediaMeasure.rgbFrame(plan.output, index: 150).pixel(x: 20, y: 20)
            #expect(outro.green > 100 && outro.red < 60 && outro.blue < 60, "\(outro)")
            // 1.5 s + 1 s: the source's 3 s, as a plain cut of the same range shows it.
            var alone = plan
            alone.bookends = nil
            alone.output = dir + "/alone.mp4"
            try await Cutter().render(alone)
            let shifted = try BrandRenderTests.difference(plan.output, alone.output, frame: 0)
            #expect(shifted > 5, "the first frame is the intro's, not the source's: \(shifted)")
            let source1 = try MediaMeasure.grayFrame(alone.output, index: 30)
            let joined1 = try MediaMeasure.grayFrame(plan.output, index: 75)
            let same = zip(source1.pixels, joined1.pixels).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }
            #expect(Double(same) / Double(source1.pixels.count) < 3, "the source follows the intro")
            // The intro's tone, the clip's own sound, and silence under the outro.
            let tone = try MediaMeasure.rmsLevel(plan.output, from: 0.2, for: 1)
            let silence = try MediaMeasure.rmsLevel(plan.output, from: 4.7, for: 0.6)
            #expect(tone > -30, "intro: \(tone) dB")
            #expect(silence < -60, "outro: \(silence) dB")
        }
    }

    @Test func aSilentSourceStaysSilentAndAnimationsGetNoBookends() async throws {
        try await withTemporaryDirectory { dir in
            let bookends = try Self.bookends(in: dir)
            let source = try await TestMedia.shared.path("noaudio.mp4")
            let media = try await Prober().probe(source)
            var plan = CutPlan(
                input: source, output: dir + "/silent.mp4", start: 1, end: 3, options: OutputOptions(mode: .exact),
                media: media)
            plan.bookends = bookends
            try await Cutter().render(plan)
            let joined = try await Prober().probe(plan.output)
            #expect(joined.defaultAudio == nil)
            #expect(abs(joined.duration - 4.5) < 0.1, "\(joined.duration)")

            var gif = CutPlan(
                input: source, output: dir + "/clip.gif", start: 1, end: 3,
                options: OutputOptions(format: .gif, mode: .exact), media: media)
            gif.bookends = bookends
            #expect(gif.introDuration == nil)
            #expect(!gif.ffmpegArguments().contains(bookends.intro!.path))
            try await Cutter().render(gif)
            #expect(FileManager.default.fileExists(atPath: gif.output))
        }
    }
}
