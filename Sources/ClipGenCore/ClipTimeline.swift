import Foundation

/// Which source seconds a clip shows, in order: one range, or several once pauses are cut out.
/// Maps source times to the clip's own clock.
public struct ClipTimeline: Sendable, Equatable {
    public var ranges: [TimeRange]
    /// Clip seconds before the first range: a brand intro.
    public var lead: Double
    /// Seconds each range begins before the previous one ends: a crossfade shows both.
    public var overlap: Double

    public init(ranges: [TimeRange], lead: Double = 0, overlap: Double = 0) {
        self.ranges = ranges
        self.lead = lead
        self.overlap = overlap
    }

    public init(start: Double, end: Double, kept: [TimeRange]? = nil, lead: Double = 0, overlap: Double = 0) {
        ranges = kept ?? [TimeRange(start: start, end: end)]
        self.lead = lead
        self.overlap = overlap
    }

    public var duration: Double {
        ranges.reduce(0) { $0 + $1.duration } - overlap * Double(max(ranges.count - 1, 0))
    }

    /// Where each range begins on the clip's clock.
    public var starts: [Double] {
        var offset = lead
        return ranges.map { range in
            defer { offset += range.duration - overlap }
            return offset
        }
    }

    /// Clip seconds for a source time inside a kept range; nil for a time that was cut.
    public func clipTime(_ source: Double) -> Double? {
        for (range, offset) in zip(ranges, starts)
        where source >= range.start - 1e-6 && source <= range.end + 1e-6 {
            return offset + min(max(source - range.start, 0), range.duration)
        }
        return nil
    }

    /// Clip seconds for any source time: one that was cut lands where the cut is.
    public func clampedClipTime(_ source: Double) -> Double {
        for (range, offset) in zip(ranges, starts) {
            if source < range.start { return offset }
            if source <= range.end { return offset + source - range.start }
        }
        return lead + duration
    }
}

/// A clip's words as timed lines: what is burned in and what its SRT and VTT files hold.
public struct CaptionTrack: Sendable, Equatable {
    public struct Word: Sendable, Equatable {
        public var start: Double
        public var end: Double
        public var text: String
    }

    public struct Line: Sendable, Equatable {
        /// Clip seconds.
        public var start: Double
        public var end: Double
        public var words: [Word]
        public var text: String { words.map(\.text).joined(separator: " ") }
    }

    public var lines: [Line]

    /// Words grouped into lines of at most `maxWordsPerLine`, broken at sentence ends and at
    /// pauses, on the clip's clock; a line is on screen only while it is spoken (and a moment
    /// after, never into the next line), so nothing shows in silence.
    public init(transcript: Transcript, timeline: ClipTimeline, maxWordsPerLine: Int = 7, uppercase: Bool = false) {
        let first = timeline.ranges.first?.start ?? 0
        let last = timeline.ranges.last?.end ?? 0
        var words: [(word: Transcript.Word, clip: Word)] = []
        for word in transcript.words(from: first, to: last) {
            let start = timeline.clampedClipTime(word.start)
            let end = timeline.clampedClipTime(word.end)
            guard end > start else { continue }
            words.append((word, Word(start: start, end: end, text: uppercase ? word.text.uppercased() : word.text)))
        }
        var lines: [Line] = []
        var current: [Word] = []
        for (index, item) in words.enumerated() {
            current.append(item.clip)
            let next = index + 1 < words.count ? words[index + 1] : nil
            let pause = next.map { $0.clip.start - item.clip.end >= 0.5 } ?? true
            if current.count >= maxWordsPerLine || item.word.endsSentence || pause {
                lines.append(Line(start: current[0].start, end: current[current.count - 1].end, words: current))
                current = []
            }
        }
        for index in lines.indices {
            let hold = lines[index].end + 0.3
            lines[index].end = index + 1 < lines.count ? min(hold, lines[index + 1].start) : hold
        }
        self.lines = lines
    }

    /// The lines as `captions` asks (its line length, its capitals); without captions, lines of
    /// up to seven words as spoken: what a clip's SRT and VTT hold when nothing is burned in.
    public init(transcript: Transcript, timeline: ClipTimeline, captions: CaptionOptions?) {
        self.init(
            transcript: transcript, timeline: timeline, maxWordsPerLine: captions?.maxWordsPerLine ?? 7,
            uppercase: captions?.uppercase ?? false)
    }

    /// Every word of the source, on the source's clock: the transcript as subtitles.
    public init(wholeSourceOf transcript: Transcript) {
        self.init(
            transcript: transcript,
            timeline: ClipTimeline(start: 0, end: max(transcript.duration, transcript.words.last?.end ?? 0)))
    }

    public var srt: String {
        lines.enumerated().map { index, line in
            """
            \(index + 1)\n\(MediaTime(seconds: line.start).timecode(fractionSeparator: ",")) --> \
            \(MediaTime(seconds: line.end).timecode(fractionSeparator: ","))\n\(line.text)\n
            """
        }.joined(separator: "\n")
    }

    public var vtt: String {
        "WEBVTT\n\n"
            + lines.map { line in
                """
                \(MediaTime(seconds: line.start).timecode()) --> \
                \(MediaTime(seconds: line.end).timecode())\n\(Self.escapeVTT(line.text))\n
                """
            }.joined(separator: "\n")
    }

    static func escapeVTT(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
