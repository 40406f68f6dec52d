/// An edit to take into another editor: the source ranges a job's clips (or one clip) keep, back
/// to back on a record timeline, with markers for clips, highlights and shot cuts and the captions.
/// Every time is a whole frame at the source's rate, so each format carries the same frames.
public struct EditTimeline: Sendable, Equatable {
    public struct Source: Sendable, Equatable {
        public var name: String
        public var frames: Int
        public var width: Int?
        public var height: Int?
        public var hasAudio: Bool
    }

    /// One kept range of the source, placed on the record timeline.
    public struct Segment: Sendable, Equatable {
        public var name: String
        /// First source frame shown.
        public var sourceStart: Int
        public var frames: Int
        /// Where it starts on the record timeline.
        public var recordStart: Int
    }

    public struct Marker: Sendable, Equatable {
        public enum Kind: String, Sendable { case clip, highlight, shot }
        /// On the record timeline.
        public var frame: Int
        public var frames: Int
        public var name: String
        public var kind: Kind
    }

    public struct Caption: Sendable, Equatable {
        /// On the record timeline.
        public var frame: Int
        public var frames: Int
        public var text: String
    }

    public var name: String
    public var rate: FrameRate
    public var source: Source
    public var segments: [Segment]
    public var markers: [Marker]
    public var captions: [Caption]

    public var frames: Int { segments.last.map { $0.recordStart + $0.frames } ?? 0 }

    /// The edit of `clips` (in their order) from `source`: each clip's kept ranges, its name and
    /// why it was picked as markers, the analysis' shot cuts inside what is kept, and each clip's
    /// caption lines as its SRT has them. A brand intro is not the source's and is left out.
    public init(
        name: String, source: SourceInfo, sourceName: String, clips: [Clip], cuts: [Analysis.Cut],
        captions: (Clip) -> [CaptionTrack.Line]
    ) {
        let rate = FrameRate(fps: source.fps)
        self.name = name
        self.rate = rate
        self.source = Source(
            name: sourceName, frames: rate.frame(source.duration), width: source.width, height: source.height,
            hasAudio: source.audioCodec != nil)
        var segments: [Segment] = []
        var markers: [Marker] = []
        var lines: [Caption] = []
        var record = 0
        for clip in clips.sorted(by: { $0.index < $1.index }) {
            let clipStart = record
            let label = clip.name ?? "clip \(clip.index + 1)"
            for (part, range) in clip.timeline.ranges.enumerated() {
                let first = rate.frame(range.start)
                let count = rate.frame(range.end) - first
                guard count > 0 else { continue }
                let segmentName = clip.timeline.ranges.count > 1 ? "\(label) (\(part + 1))" : label
                segments.append(Segment(name: segmentName, sourceStart: first, frames: count, recordStart: record))
                for cut in cuts {
                    let frame = rate.frame(cut.time)
                    if frame > first && frame < first + count {
                        markers.append(Marker(frame: record + frame - first, frames: 1, name: "shot", kind: .shot))
                    }
                }
                record += count
            }
            guard record > clipStart else { continue }
            markers.append(Marker(frame: clipStart, frames: 1, name: label, kind: .clip))
            if let reason = clip.reason {
                markers.append(Marker(frame: clipStart, frames: record - clipStart, name: reason, kind: .highlight))
            }
            for line in captions(clip) {
                let start = clipStart + rate.frame(line.start)
                let end = min(record, clipStart + rate.frame(line.end))
                if end > start { lines.append(Caption(frame: start, frames: end - start, text: line.text)) }
            }
        }
        self.segments = segments
        self.markers = markers.sorted { ($0.frame, $0.kind.rawValue) < ($1.frame, $1.kind.rawValue) }
        self.captions = lines
    }
}
