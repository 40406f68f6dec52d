import Foundation

/// A chapter of a clip on the clip's own clock: a marker in its file and a line of its
/// YouTube-style list.
public struct Chapter: Codable, Sendable, Equatable {
    public var start: Double
    public var end: Double
    public var title: String

    public init(start: Double, end: Double, title: String) {
        self.start = start
        self.end = end
        self.title = title
    }
}

/// Where a clip's chapters begin: at each joined range, at the shot cuts inside them and, with a
/// transcript, where what is said changes subject (`TranscriptTopics`), none shorter than
/// `minimum` seconds; each titled by the words it dwells on that the others do not, else by the
/// first words spoken in it, else "Part N".
public enum ClipChapters {
    public static func make(
        timeline: ClipTimeline, duration: Double, cuts: [Double], transcript: Transcript?, minimum: Double = 2
    ) -> [Chapter] {
        guard duration > 0 else { return [] }
        // The words the clip shows, each with when it is said on the clip's clock.
        let spoken = (transcript?.words ?? []).compactMap { word in timeline.clipTime(word.start).map { (word, $0) } }
        var boundaries = TranscriptTopics.shifts(in: spoken.map(\.0)).compactMap { timeline.clipTime($0) }
        for (index, (range, offset)) in zip(timeline.ranges, timeline.starts).enumerated() {
            if index > 0 { boundaries.append(offset) }
            // A cut within a frame of a range's edge is the join itself.
            for cut in cuts where cut > range.start + 0.05 && cut < range.end - 0.05 {
                boundaries.append(offset + cut - range.start)
            }
        }
        var starts = [0.0]
        for boundary in boundaries.sorted()
        where boundary >= starts[starts.count - 1] + minimum && boundary <= duration - minimum {
            starts.append(boundary)
        }
        let spans = starts.enumerated().map { index, start in
            (start, index + 1 < starts.count ? starts[index + 1] : duration)
        }
        let said = spans.map { start, end in spoken.filter { $0.1 >= start && $0.1 < end }.map(\.0) }
        return spans.enumerated().map { index, span in
            // One repeated word is too little to name a subject by.
            let keywords = TranscriptTopics.keywords(of: index, in: said)
            let title = (keywords.count >= 2 ? TranscriptTopics.title(keywords) : nil) ?? firstWords(said[index])
            return Chapter(start: span.0, end: span.1, title: title ?? "Part \(index + 1)")
        }
    }

    /// Up to six words first spoken, as said.
    static func firstWords(_ words: [Transcript.Word]) -> String? {
        guard !words.isEmpty else { return nil }
        let text = words.prefix(6).map(\.text).joined(separator: " ")
        return text.trimmingCharacters(in: CharacterSet(charactersIn: ",;:").union(.whitespaces))
    }

    /// `0:00 Title` lines, as YouTube reads chapters from a description (it needs the first at
    /// 0:00, at least three, and each 10 s or longer to show them).
    public static func youTubeList(_ chapters: [Chapter]) -> String {
        chapters.map { chapter in
            let seconds = Int(chapter.start.rounded(.down))
            let (hours, minutes, rest) = (seconds / 3600, seconds / 60 % 60, seconds % 60)
            let clock =
                hours > 0
                ? "\(hours):\(minutes < 10 ? "0" : "")\(minutes):\(rest < 10 ? "0" : "")\(rest)"
                : "\(minutes):\(rest < 10 ? "0" : "")\(rest)"
            return "\(clock) \(chapter.title)"
        }.joined(separator: "\n")
    }
}
