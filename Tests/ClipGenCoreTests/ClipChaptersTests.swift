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
}
