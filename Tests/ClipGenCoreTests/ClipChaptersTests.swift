import Foundation
import Testing

@testable import ClipGenCore

/// Where a clip's chapters begin and what they are called, and the YouTube-style list.
@Suite struct ClipChaptersTests {
    /// Two joined ranges after a 1 s intro: chapters at the join and at the shot cuts inside the
    /// ranges (a cut in the dropped stretch, one too close to a start, and one at a range's edge
    /// make none), titled by the first words spoken in each when there is a transcript.
    @Test func chaptersBeginAtJoinsAndShotCutsAndAreNamedByTheirWords() {
        let timeline = ClipTimeline(
            ranges: [TimeRange(start: 10, end: 20), TimeRange(start: 40, end: 50)], lead: 1)
        let cuts = [15.0, 16.0, 30.0, 20.0, 45.0]
        let transcript = Transcript(
            model: "test", duration: 60,
            words: [
                .init(start: 10.5, end: 11, text: "Welcome"), .init(start: 11, end: 11.5, text: "back,"),
                .init(start: 41, end: 41.5, text: "Now"), .init(start: 41.5, end: 42, text: "pricing:"),
            ])
        let titled = ClipChapters.make(timeline: timeline, duration: 21, cuts: cuts, transcript: transcript)
        #expect(titled.map(\.start) == [0, 6, 11, 16])
        #expect(titled.map(\.end) == [6, 11, 16, 21])
        #expect(titled.map(\.title) == ["Welcome back", "Part 2", "Now pricing", "Part 4"])

        let plain = ClipChapters.make(timeline: timeline, duration: 21, cuts: [], transcript: nil)
        #expect(plain == [.init(start: 0, end: 11, title: "Part 1"), .init(start: 11, end: 21, title: "Part 2")])
        #expect(
            ClipChapters.make(timeline: ClipTimeline(start: 0, end: 5), duration: 5, cuts: [], transcript: nil).count
                == 1)
    }

    @Test func theListIsWhatYouTubeReads() {
        let chapters = [
            Chapter(start: 0, end: 65.5, title: "Intro"), Chapter(start: 65.5, end: 3725, title: "Pricing"),
            Chapter(start: 3725, end: 3800, title: "Q&A"),
        ]
        #expect(ClipChapters.youTubeList(chapters) == "0:00 Intro\n1:05 Pricing\n1:02:05 Q&A")
    }

    /// Crossfaded ranges overlap on the clip's clock: the second begins a fade before the first
    /// ends, and a chapter begins where it does.
    @Test func crossfadedRangesOverlapOnTheClipsClock() {
        let timeline = ClipTimeline(
            ranges: [TimeRange(start: 10, end: 14), TimeRange(start: 40, end: 44)], lead: 1, overlap: 0.5)
        #expect(timeline.duration == 7.5 && timeline.starts == [1, 4.5])
        #expect(timeline.clipTime(12) == 3 && timeline.clipTime(40) == 4.5 && timeline.clipTime(44) == 8.5)
        #expect(timeline.clipTime(20) == nil && timeline.clampedClipTime(20) == 4.5)
        #expect(timeline.clampedClipTime(50) == 8.5)
        let chapters = ClipChapters.make(timeline: timeline, duration: 8.5, cuts: [], transcript: nil)
        #expect(chapters.map(\.start) == [0, 4.5])
    }

    /// Speech on one subject, then another: `count` words each (every other a function word),
    /// 0.4 s apart, drawn from each subject's vocabulary by a fixed sequence.
    private func speech(_ subjects: [[String]], count: Int) -> Transcript {
        var state: UInt64 = 7
        var words: [Transcript.Word] = []
        for vocabulary in subjects {
            for index in 0..<count {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let text =
                    index % 2 == 0
                    ? ["the", "and", "so", "it", "is"][Int(state >> 60) % 5]
                    : vocabulary[Int(state >> 33) % vocabulary.count]
                let start = Double(words.count) * 0.4
                words.append(.init(start: start, end: start + 0.3, text: text))
            }
        }
        return Transcript(model: "test", duration: Double(words.count) * 0.4, words: words)
    }

    private let volcanoes = ["volcano", "lava", "magma", "eruption", "crater", "ash", "vent", "basalt"]
    private let football = ["goal", "striker", "penalty", "match", "keeper", "pitch", "referee", "corner"]

    @Test func aChangeOfSubjectBeginsAChapterNamedByWhatEachPartDwellsOn() throws {
        let transcript = speech([volcanoes, football], count: 80)
        let timeline = ClipTimeline(start: 0, end: transcript.duration)
        let chapters = ClipChapters.make(
            timeline: timeline, duration: transcript.duration, cuts: [], transcript: transcript)
        #expect(chapters.count == 2, "\(chapters)")
        // The subject changes at word 80, 32 s in; gaps are tested every 10 content words (4–8 s).
        let shift = try #require(chapters.last?.start)
        #expect(abs(shift - 32) <= 8, "\(shift)")
        let first = chapters[0].title.lowercased()
        let second = chapters.last?.title.lowercased() ?? ""
        #expect(volcanoes.contains { first.contains($0) } && !football.contains { first.contains($0) }, "\(first)")
        #expect(football.contains { second.contains($0) } && !volcanoes.contains { second.contains($0) }, "\(second)")
        #expect(chapters[0].title.first?.isUppercase == true && chapters[0].title.contains(" and "))
    }

    @Test func oneSubjectAllAlongMakesNoTopicChapters() {
        let transcript = speech([volcanoes, volcanoes], count: 80)
        let timeline = ClipTimeline(start: 0, end: transcript.duration)
        let chapters = ClipChapters.make(
            timeline: timeline, duration: transcript.duration, cuts: [], transcript: transcript)
        #expect(chapters.count == 1, "\(chapters)")
        #expect(TranscriptTopics.shifts(in: transcript.words).isEmpty)
    }
}
