import ClipGenCore
import Foundation

/// A clip as clients see it: in `GET /v1/clips/{id}`, in job responses, and in the `clip`
/// events of sockets and webhooks, so the three never differ.
public struct ClipResponse: Encodable, Sendable {
    public var id: ClipID
    public var jobId: JobID
    public var index: Int
    public var name: String?
    public var start: Double
    public var end: Double
    public var actualStart: Double
    public var duration: Double
    public var format: OutputFormat
    public var modeUsed: CutMode
    public var fallbackReason: String?
    public var size: Int64
    public var sha256: String
    public var score: Double?
    public var reason: String?
    public var quality: ClipQuality?
    public var loudnessLUFS: Double?
    public var encoder: String?
    public var url: String
    public var thumbnailUrl: String?
    public var reframe: ReframeResult?
    public var captions: ClipCaptions?
    public var keptRanges: [TimeRange]?
    /// Seconds each kept range fades into the next.
    public var crossfade: Double?
    /// Seconds of the brand's intro before the source begins (`"brand": true`).
    public var intro: Double?
    /// The chapter markers in the file, and the same as a YouTube-style list (`0:00 Title` lines).
    public var chapters: [Chapter]?
    public var youtubeChapters: String?
    /// The clip's words on its own clock, when its job has a transcript.
    public var captionsSrtUrl: String?
    public var captionsVttUrl: String?
    /// The clip's other files, each with its figures and where to get it.
    public var renditions: [Rendition]?
    public var createdAt: Date

    public struct Rendition: Encodable, Sendable {
        public var index: Int
        public var format: OutputFormat
        public var encoder: String
        public var width: Int?
        public var height: Int?
        public var duration: Double
        public var size: Int64
        public var bitrate: Int
        public var sha256: String
        public var url: String
        /// An hls rendition's playlist, served with its segments under the clip.
        public var playlistUrl: String?
    }

    public init(_ clip: Clip) {
        id = clip.id
        jobId = clip.jobId
        index = clip.index
        name = clip.name
        start = clip.start
        end = clip.end
        actualStart = clip.actualStart
        duration = clip.duration
        format = clip.format
        modeUsed = clip.modeUsed
        fallbackReason = clip.fallbackReason
        size = clip.size
        sha256 = clip.sha256
        score = clip.score
        reason = clip.reason
        quality = clip.quality
        loudnessLUFS = clip.loudnessLUFS
        encoder = clip.encoder
        url = "/v1/clips/\(clip.id)/content"
        thumbnailUrl = clip.thumbnailKey == nil ? nil : "/v1/clips/\(clip.id)/thumbnail"
        reframe = clip.reframe
        captions = clip.captions
        keptRanges = clip.keptRanges
        crossfade = clip.crossfade
        intro = clip.intro
        chapters = clip.chapters
        youtubeChapters = clip.chapters.map(ClipChapters.youTubeList)
        if clip.captions != nil {
            captionsSrtUrl = "/v1/clips/\(clip.id)/captions.srt"
            captionsVttUrl = "/v1/clips/\(clip.id)/captions.vtt"
        }
        let base = "/v1/clips/\(clip.id)/renditions/"
        renditions =
            clip.renditions.isEmpty
            ? nil
            : clip.renditions.map {
                Rendition(
                    index: $0.index, format: $0.format, encoder: $0.encoder, width: $0.width, height: $0.height,
                    duration: $0.duration, size: $0.size, bitrate: $0.bitrate, sha256: $0.sha256,
                    url: base + "\($0.index)/content",
                    playlistUrl: $0.format == .hls ? base + "\($0.index)/hls/index.m3u8" : nil)
            }
        createdAt = clip.createdAt
    }
}
