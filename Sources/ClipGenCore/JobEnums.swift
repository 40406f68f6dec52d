public enum JobStatus: String, Codable, Sendable, CaseIterable {
    case queued, running, succeeded, failed, cancelled

    public var isTerminal: Bool { self == .succeeded || self == .failed || self == .cancelled }
}

public enum JobStage: String, Codable, Sendable, CaseIterable {
    /// `import` downloads a `source.url` before probing it.
    case probe, analyze, render, thumbnails, done
    case `import`
    /// Speech to text, before the analysis and renders that use the words.
    case transcribe
}

/// How a clip is cut from its source.
public enum CutMode: String, Codable, Sendable, CaseIterable {
    /// Stream copy from the keyframe at or before `start`: fastest, lossless, not frame exact.
    case keyframe
    /// Full re-encode: frame exact.
    case exact
    /// Frame exact; re-encodes only the head up to the first keyframe.
    case smart
}

/// The container a clip is delivered in; with `VideoCodec`, what is inside.
public enum OutputFormat: String, Codable, Sendable, CaseIterable {
    case mp4, webm, gif
    /// QuickTime for editors: ProRes by default.
    case mov
    /// Animated WebP: a gif's use, smaller and in full colour.
    case webp
    /// Sound only.
    case m4a, mp3, wav
    /// An HLS playlist and its MPEG-TS segments, stored as one ZIP package (a rendition only).
    case hls

    public var fileExtension: String { self == .hls ? "zip" : rawValue }
    public var contentType: String {
        switch self {
        case .mp4: "video/mp4"
        case .webm: "video/webm"
        case .gif: "image/gif"
        case .mov: "video/quicktime"
        case .webp: "image/webp"
        case .m4a: "audio/mp4"
        case .mp3: "audio/mpeg"
        case .wav: "audio/wav"
        case .hls: "application/zip"
        }
    }

    public var isAudioOnly: Bool { [.m4a, .mp3, .wav].contains(self) }
    /// Whether FFmpeg can read the file back (to measure it, or take a poster from it): not an
    /// animated WebP, which FFmpeg 5 writes but cannot decode, nor an HLS package.
    public var readsBack: Bool { self != .webp && self != .hls }
    /// Silent, looping pictures.
    public var isAnimation: Bool { self == .gif || self == .webp }

    /// The video codecs the container takes, the default first; none for sound and animations
    /// (whose codec is the format's own).
    public var videoCodecs: [VideoCodec] {
        switch self {
        case .mp4: [.h264, .h265, .av1]
        case .webm: [.vp9, .av1]
        case .mov: [.prores, .h264]
        case .hls: [.h264, .h265]
        case .gif, .webp, .m4a, .mp3, .wav: []
        }
    }
}

/// The video codec inside a container (`output.videoCodec`).
public enum VideoCodec: String, Codable, Sendable, CaseIterable {
    case h264, h265, av1, vp9, prores
}

public enum Aspect: String, Codable, Sendable, CaseIterable {
    case original
    case wide = "16:9"
    case vertical = "9:16"
    case square = "1:1"
    case portrait = "4:5"
}

/// The kinds of work a worker leases from the queue.
public enum TaskKind: String, Codable, Sendable, CaseIterable {
    case probe, analyze, render, thumbnails, quality, transcribe
    /// One segment of a long source's analysis (`clipIndex` is the segment's number); the
    /// `analyze` task after the last one merges them.
    case segment
    /// One segment of a long source's transcription (`clipIndex` is the segment's number); the
    /// `transcribe` task after the last one merges them.
    case speechSegment = "speech_segment"
    /// Still frames the job asked for (`frames`).
    case frames
}

public enum Capability: String, Codable, Sendable, CaseIterable {
    case cpu, gpu
}
