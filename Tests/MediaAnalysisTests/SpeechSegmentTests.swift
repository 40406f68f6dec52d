import ClipGenCore
import Foundation
import MediaEngine
import TestSupport
import Testing

@testable import MediaAnalysis

/// A long source's transcription in parts: where it splits, where neighbours are joined, and the
/// joined words of espeak-ng speech split across sentences against one whole pass.
@Suite struct SpeechSegmentTests {
    func word(_ text: String, _ start: Double, _ end: Double) -> Transcript.Word {
        Transcript.Word(start: start, end: end, text: text)
    }

    func sound(_ duration: Double) -> MediaInfo {
        MediaInfo(
            duration: duration, startTime: 0, formatName: "mov,mp4", video: nil,
            audio: [.init(index: 0, codec: "aac", channels: 1, sampleRate: 48_000, isDefault: true)], keyframeTimes: [])
    }

    @Test func aSourceSplitsIntoEqualPartsThatHearPastTheirEnds() throws {
        var media = sound(40)
        let parts = try #require(SpeechRecognizer.segments(of: media, length: 10))
        #expect(parts.map(\.start) == [0, 10, 20, 30] && parts.map(\.end) == [10, 20, 30, nil])
        #expect(parts.map { $0.heard.from } == [0, 5, 15, 25] && parts.map { $0.heard.to } == [15, 25, 35, nil])
        #expect(SpeechRecognizer.segments(of: media, length: 40) == nil, "no longer than a part")
        #expect(SpeechRecognizer.segments(of: media, length: 0) == nil, "0 never splits")
        media.audio = []
        #expect(SpeechRecognizer.segments(of: media, length: 10) == nil, "nothing to hear")
    }

    @Test func theJoinIsTheMiddleOfTheLongestPauseNearTheBoundary() {
        let words = [word("a", 7, 8), word("b", 8.1, 9), word("c", 9.5, 10.2), word("d", 11.8, 12.3)]
        // Pauses near 10 (reach 2.5): 9.0–9.5, and 10.2–11.8, the longest: its middle, 11.0.
        #expect(SpeechRecognizer.cut(near: 10, reach: 2.5, words) == 11.0)
        // Nobody spoke near it: the boundary itself.
        #expect(SpeechRecognizer.cut(near: 30, reach: 2.5, words) == 30)
        // After the last word: the boundary when it is a reach away from it, else a reach away.
        #expect(SpeechRecognizer.cut(near: 14, reach: 1, words) == 14)
        #expect(abs(SpeechRecognizer.cut(near: 12.5, reach: 1, words) - 13.3) < 1e-9)
    }

    @Test func aWordBothNeighboursHeardIsKeptOnceAndPartsThatDoNotMatchThrow() throws {
        let media = sound(20)
        let parts = try #require(SpeechRecognizer.segments(of: media, length: 10))
        // The boundary at 10 falls inside "over"; both parts heard it, each a little differently.
        let first = Transcript(
            model: "m", duration: 20,
            segments: [.init(start: 8, end: 11, text: "jumps over it.")],
            words: [word("jumps", 8, 9), word("over", 9.8, 10.4), word("it.", 10.5, 11), word("The", 12.6, 12.9)])
        let second = Transcript(
            model: "m", duration: 20,
            segments: [
                .init(start: 8.1, end: 11, text: "jumps over it."), .init(start: 12.5, end: 14, text: "The end."),
            ],
            words: [
                word("jumps", 8.1, 9), word("over", 9.8, 10.3), word("it.", 10.5, 11), word("The", 12.5, 12.9),
                word("end.", 13, 14),
            ])
        let joined = try SpeechRecognizer.merge([first, second], segments: parts, media: media)
        #expect(joined.words.map(\.text) == ["jumps", "over", "it.", "The", "end."])
        #expect(joined.words[1].end == 10.4, "before the pause, from the first part")
        #expect(joined.words[3].start == 12.5, "after the pause, from the second")
        #expect(joined.segments.map(\.text) == ["jumps over it.", "The end."])
        #expect(joined.duration == 20)
        #expect(throws: MediaError.self) { try SpeechRecognizer.merge([first], segments: parts, media: media) }
    }

    @Test func speechSplitAcrossSentencesJoinsIntoTheWholePassWords() async throws {
        let path = try await TestMedia.shared.path("speech.mp4")
        let media = try await Prober().probe(path)
        let recognizer = SpeechRecognizer(helper: PythonHelper(venv: TestMedia.helpersVenv))
        // speech.mp4 is 40 s: parts of 10 s split "Today we will talk…" (7.0 s on) and start
        // "The pricing page…" (20.0 s) on a boundary.
        let segments = try #require(SpeechRecognizer.segments(of: media, length: 10))
        #expect(segments.count == 4)
        let (whole, parts) = try await withTemporaryDirectory { scratch in
            let whole = try await recognizer.transcribe(path, media: media, scratch: scratch)
            var parts: [Transcript] = []
            for segment in segments {
                parts.append(try await recognizer.transcribe(path, media: media, segment: segment, scratch: scratch))
            }
            return (whole, parts)
        }
        let joined = try SpeechRecognizer.merge(parts, segments: segments, media: media)
        // Whisper hears a short word ("the") differently with other sound around it, so the parts
        // may differ from the whole pass by a word or two; what the join adds is none: no word
        // twice, none lost at a boundary, every word where the whole pass heard it.
        let words = { (t: Transcript) in t.words.map { SpeechTests.words($0.text).joined(separator: " ") } }
        let sentences = try JSONDecoder().decode(
            [SpeechTests.Sentence].self,
            from: Data(
                contentsOf: URL(
                    fileURLWithPath: (path as NSString).deletingLastPathComponent + "/speech.sentences.json")))
        let reference = sentences.flatMap { SpeechTests.words($0.text) }
        let errors = SpeechTests.wordErrorRate(
            reference: reference, hypothesis: joined.words.flatMap { SpeechTests.words($0.text) })
        #expect(errors < 0.15, "WER \(errors): \(words(joined))")
        #expect(
            SpeechTests.wordErrorRate(reference: words(whole), hypothesis: words(joined)) <= 0.1,
            "\(words(joined)) against \(words(whole))")
        // Each sentence heard once, where it was placed (within 0.3 s, as the whole pass is held to).
        for word in joined.words {
            #expect(
                sentences.contains { word.start >= $0.start - 0.3 && word.end <= $0.end + 0.3 },
                "\(word) is outside every sentence")
        }
        for sentence in sentences {
            let spoken = joined.words.filter { $0.start >= sentence.start - 0.3 && $0.end <= sentence.end + 0.3 }
            let said = SpeechTests.words(sentence.text)
            #expect(
                (said.count - 2...said.count).contains(spoken.count),
                "\"\(sentence.text)\" heard as \(spoken.map(\.text))")
            let first = try #require(spoken.first)
            #expect(abs(first.start - sentence.start) <= 0.3 && abs(spoken.last!.end - sentence.end) <= 0.3)
        }
        // The words both heard: at the same times, give or take Whisper's own word timing.
        let pairs = Self.matched(joined.words, whole.words)
        #expect(pairs.count >= whole.words.count - 3)
        for (a, b) in pairs {
            #expect(abs(a.start - b.start) <= 0.35 && abs(a.end - b.end) <= 0.35, "\(a) against \(b)")
        }
        #expect(joined.words == joined.words.sorted { $0.start < $1.start }, "in order")
    }

    /// The words of `a` and `b` with the same text, paired in order (a longest common subsequence).
    static func matched(_ a: [Transcript.Word], _ b: [Transcript.Word]) -> [(Transcript.Word, Transcript.Word)] {
        let key = { (w: Transcript.Word) in SpeechTests.words(w.text) }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                table[i][j] = key(a[i]) == key(b[j]) ? table[i + 1][j + 1] + 1 : max(table[i + 1][j], table[i][j + 1])
            }
        }
        var pairs: [(Transcript.Word, Transcript.Word)] = []
        var (i, j) = (0, 0)
        while i < a.count, j < b.count {
            if key(a[i]) == key(b[j]) {
                pairs.append((a[i], b[j]))
                (i, j) = (i + 1, j + 1)
            } else if table[i + 1][j] >= table[i][j + 1] {
                i += 1
            } else {
                j += 1
            }
        }
        return pairs
    }
}
