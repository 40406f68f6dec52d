/// How a clip's crop was placed (`reframe` on a clip), on the clip's clock.
public struct ReframeResult: Codable, Sendable, Equatable {
    public enum Layout: String, Codable, Sendable {
        /// A still crop.
        case still
        /// The crop follows a face along `path`.
        case follow
        /// The whole picture over a blurred fill, throughout.
        case fit
        /// Following in some shots, the whole picture in others (`fit` lists them).
        case mixed
    }

    /// Where the crop window sits: 0 at the left edge of the picture, 1 at the right (as `cropX`).
    public struct Point: Codable, Sendable, Equatable {
        public var time: Double
        public var x: Double
        public init(time: Double, x: Double) {
            self.time = time
            self.x = x
        }
    }

    public var mode: Reframe
    public var layout: Layout
    /// Straight lines between these points, held before the first and after the last; a step
    /// (two points at one time) where a shot changes.
    public var path: [Point]
    /// Clip seconds shown as the whole picture over a blurred fill.
    public var fit: [TimeRange]
    /// Why the layout is what it is, in words.
    public var reason: String?

    public init(mode: Reframe, layout: Layout, path: [Point] = [], fit: [TimeRange] = [], reason: String? = nil) {
        self.mode = mode
        self.layout = layout
        self.path = path
        self.fit = fit
        self.reason = reason
    }

    /// The crop position at clip time `t`, by the path.
    public func x(at t: Double) -> Double? {
        guard let first = path.first else { return nil }
        if t <= first.time { return first.x }
        for (a, b) in zip(path, path.dropFirst()) where t <= b.time {
            return b.time - a.time < 1e-9 ? b.x : a.x + (b.x - a.x) * (t - a.time) / (b.time - a.time)
        }
        return path.last?.x
    }
}

/// Words on a clip (`captions` on a clip): burned in or not, its SRT and VTT are served beside it.
public struct ClipCaptions: Codable, Sendable, Equatable {
    /// The style burned in; nil when the words are only in the SRT and VTT.
    public var burnedIn: CaptionOptions.Style?
    public var lines: Int
    public var words: Int

    public init(burnedIn: CaptionOptions.Style?, lines: Int, words: Int) {
        self.burnedIn = burnedIn
        self.lines = lines
        self.words = words
    }
}

/// What a clip keeps beside its file about speech and faces; stored as one value.
public struct ClipPresentation: Codable, Sendable, Equatable {
    public var reframe: ReframeResult?
    public var captions: ClipCaptions?
    /// Source ranges the clip shows once pauses were cut; nil when it is one range.
    public var keptRanges: [TimeRange]?
    /// Seconds each kept range fades into the next (`crossfade` on joined ranges).
    public var crossfade: Double?
    /// Seconds of the brand's intro before the source's first frame.
    public var intro: Double?
    /// The chapter markers written into the file (`"chapters": true`).
    public var chapters: [Chapter]?

    public init(
        reframe: ReframeResult? = nil, captions: ClipCaptions? = nil, keptRanges: [TimeRange]? = nil,
        crossfade: Double? = nil, intro: Double? = nil, chapters: [Chapter]? = nil
    ) {
        self.reframe = reframe
        self.captions = captions
        self.keptRanges = keptRanges
        self.crossfade = crossfade
        self.intro = intro
        self.chapters = chapters
    }

    public var isEmpty: Bool {
        reframe == nil && captions == nil && keptRanges == nil && crossfade == nil && intro == nil && chapters == nil
    }
}
