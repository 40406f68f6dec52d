import ClipGenCore
import Foundation
import MediaEngine
import TestSupport
import Testing

@testable import MediaAnalysis

/// The speech helper on espeak-ng speech placed at known times (scripts/make-test-media.sh
/// speech.mp4), and what is built on its words: highlights, captions burned into pictures.
@Suite struct SpeechTests {
    struct Sentence: Decodable {
        var text: String
        var start: Double
        var end: Double
    }

    static func speech() async throws -> (path: String, media: MediaInfo, sentences: [Sentence], transcript: Transcript)
    {
        let path = try await TestMedia.shared.path("speech.mp4")
        let sentences = try JSONDecoder().decode(
            [Sentence].self,
            from: Data(
                contentsOf: URL(
                    fileURLWithPath: (path as NSString).deletingLastPathComponent + "/speech.sentences.json")))
        let media = try await Prober().probe(path)
        let transcript = try await withTemporaryDirectory { scratch in
            try await SpeechRecognizer(helper: PythonHelper(venv: TestMedia.helpersVenv)).transcribe(
                path, media: media, scratch: scratch)
        }
        return (path, media, sentences, transcript)
    }

    static func words(_ text: String) -> [String] {
        text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "'" }).map(String.init)
    }

    /// Word error rate: word-level edit distance over the reference's length.
    static func wordErrorRate(reference: [String], hypothesis: [String]) -> Double {
        var row = Array(0...hypothesis.count)
        for (i, r) in reference.enumerated() {
            var next = [i + 1] + [Int](repeating: 0, count: hypothesis.count)
            for (j, h) in hypothesis.enumerated() {
                next[j + 1] = min(row[j + 1] + 1, next[j] + 1, row[j] + (r == h ? 0 : 1))
            }
            row = next
        }
        return Double(row[hypothesis.count]) / Double(max(reference.count, 1))
    }

    @Test func transcriptHasTheWordsAtTheirTimes() async throws {
        let (_, _, sentences, transcript) = try await Self.speech()
        let reference = sentences.flatMap { Self.words($0.text) }
        let hypothesis = transcript.words.flatMap { Self.words($0.text) }
        let wer = Self.wordErrorRate(reference: reference, hypothesis: hypothesis)
        #expect(wer < 0.15, "WER \(wer): \(hypothesis.joined(separator: " "))")
        #expect(transcript.model == SpeechRecognizer.model && transcript.language == "en")
        // Every word inside the span its sentence was placed at, give or take 0.3 s; each
        // sentence begins and ends within 0.3 s of where it was placed.
        for word in transcript.words {
            #expect(
                sentences.contains { word.start >= $0.start - 0.3 && word.end <= $0.end + 0.3 },
                "\(word) is outside every sentence")
            #expect(word.end >= word.start && (0...1).contains(word.probability))
        }
        for sentence in sentences {
            let spoken = transcript.words.filter { $0.start >= sentence.start - 0.3 && $0.end <= sentence.end + 0.3 }
            let first = try #require(spoken.first, "nothing heard of \"\(sentence.text)\"")
            #expect(
                abs(first.start - sentence.start) <= 0.3,
                "\"\(sentence.text)\" placed at \(sentence.start), heard from \(first.start)")
            #expect(
                abs(spoken.last!.end - sentence.end) <= 0.3,
                "\"\(sentence.text)\" ends at \(sentence.end), heard to \(spoken.last!.end)")
        }
        // Sentences by punctuation and pauses: as many as were spoken (one may split on its comma).
        #expect((sentences.count...sentences.count + 2).contains(transcript.sentences.count), "\(transcript.sentences)")
    }

    @Test func highlightsNeverStartOrEndInsideAWordAndAQueryFindsItsWords() async throws {
        let (path, media, _, transcript) = try await Self.speech()
        let analysis = try await MediaAnalyzer().analyze(
            path, media: media, highlights: .init(count: 4, minDuration: 5, maxDuration: 9),
            transcript: transcript)
        #expect(analysis.highlights.count == 4, "\(analysis.highlights)")
        for highlight in analysis.highlights {
            for edge in [highlight.start, highlight.end] {
                #expect(
                    transcript.word(containing: edge) == nil, "\(highlight) cuts \(transcript.word(containing: edge)!)")
            }
            #expect(highlight.end - highlight.start <= 9 + 1e-6, "\(highlight)")
        }
        let found = try await MediaAnalyzer().analyze(
            path, media: media, highlights: .init(count: 2, minDuration: 4, maxDuration: 8, query: "pricing"),
            transcript: transcript)
        #expect(!found.highlights.isEmpty)
        for highlight in found.highlights {
            let said = transcript.words(from: highlight.start, to: highlight.end).map(\.bare)
            #expect(said.contains("pricing"), "\(highlight): \(said)")
            #expect(highlight.reason.contains("says “pricing”"), "\(highlight.reason)")
            for edge in [highlight.start, highlight.end] { #expect(transcript.word(containing: edge) == nil) }
        }
        // What is said is part of every reason once there are words: the question is noticed.
        let question = analysis.highlights.first { $0.start <= 14 && $0.end >= 16.5 }
        if let question { #expect(question.reason.contains("question"), "\(question.reason)") }
    }

    /// The clip's picture as grey pixels, whole, at frame `index`.
    static func grey(_ file: String, index: Int, width: Int, height: Int) throws -> [UInt8] {
        let result = try Shell.run(
            "ffmpeg",
            [
                "-v", "error", "-i", file, "-vf", "select=eq(n\\,\(index)),format=gray", "-frames:v", "1",
                "-f", "rawvideo", "pipe:1",
            ])
        guard result.status == 0, result.stdout.count == width * height else {
            throw TestFailure("frame \(index) of \(file): \(result.stderr)")
        }
        return [UInt8](result.stdout)
    }

    @Test(arguments: [CaptionOptions.Style.karaoke, .boxed])
    func burnedCaptionsShowWhileWordsAreSpokenAndNotInSilence(style: CaptionOptions.Style) async throws {
        let (path, media, _, transcript) = try await Self.speech()
        try await withTemporaryDirectory { dir in
            // Source 6.5–12 s: "Today we will talk about pricing and the new plans." then silence.
            var options = OutputOptions(mode: .exact, aspect: .vertical, height: 320)
            let plain = CutPlan(
                input: path, output: dir + "/plain.mp4", start: 6.5, end: 12, options: options, media: media)
            try await Cutter().render(plain)
            options.captions = CaptionOptions(style: style, fontSize: 8)
            var captioned = CutPlan(
                input: path, output: dir + "/captioned.mp4", start: 6.5, end: 12, options: options, media: media)
            let presentation = try await ClipPresenter(faces: FaceDetector()).prepare(
                &captioned, transcript: transcript, media: media, scratch: dir)
            #expect(captioned.captionsFile != nil && (presentation.captions?.words ?? 0) >= 8, "\(presentation)")
            try await Cutter().render(captioned)

            let track = CaptionTrack(
                transcript: transcript, timeline: ClipTimeline(start: captioned.actualStart, end: 12),
                maxWordsPerLine: 4)
            let line = try #require(track.lines.first)
            let word = line.words[min(1, line.words.count - 1)]
            let spoken = Int(((word.start + word.end) / 2 * 30).rounded())
            let silent = Int(4.8 * 30)
            #expect(!track.lines.contains { $0.start <= 4.8 && $0.end >= 4.8 }, "4.8 s into the clip is silence")
            let (width, height) = (180, 320)
            // The caption box: the lower third of the picture, where bottom captions sit.
            func boxDifference(_ index: Int) throws -> Double {
                let a = try Self.grey(dir + "/captioned.mp4", index: index, width: width, height: height)
                let b = try Self.grey(dir + "/plain.mp4", index: index, width: width, height: height)
                var changed = 0
                var total = 0
                for y in (height * 2 / 3)..<height {
                    for x in 0..<width {
                        total += 1
                        if abs(Int(a[y * width + x]) - Int(b[y * width + x])) > 40 { changed += 1 }
                    }
                }
                return Double(changed) / Double(total)
            }
            let whileSpoken = try boxDifference(spoken)
            let inSilence = try boxDifference(silent)
            #expect(whileSpoken > 0.03, "the caption box at \(word.text) changed \(whileSpoken)")
            #expect(inSilence < 0.002, "the caption box in silence changed \(inSilence)")
        }
    }

    @Test func aMissingHelperEnvironmentIsAClearErrorNamingTheInstallCommand() async throws {
        let path = try await TestMedia.shared.path("gop2s.mp4")
        let media = try await Prober().probe(path)
        try await withTemporaryDirectory { scratch in
            let error = await #expect(throws: MediaError.self) {
                try await SpeechRecognizer(helper: PythonHelper(venv: scratch + "/missing")).transcribe(
                    path, media: media, scratch: scratch)
            }
            #expect(
                error?.code == .helpersMissing && error?.message.contains("scripts/setup-helpers.sh") == true,
                "\(String(describing: error))")
            #expect(
                (try? FileManager.default.contentsOfDirectory(atPath: scratch))?.isEmpty == true,
                "nothing decoded before the check")
        }
    }
}
