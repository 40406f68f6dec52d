/// What ffprobe says about a file, reduced to what ClipGen decides with.
public struct MediaInfo: Sendable, Equatable, Codable {
    public init(
        duration: Double, startTime: Double, formatName: String, video: VideoStream?, audio: [AudioStream],
        keyframeTimes: [Double]
    ) {
        self.duration = duration
        self.startTime = startTime
        self.formatName = formatName
        self.video = video
        self.audio = audio
        self.keyframeTimes = keyframeTimes
    }

    public struct VideoStream: Sendable, Equatable, Codable {
        public var index: Int
        public var codec: String
        public var width: Int
        public var height: Int
        /// Average frames per second; nil when the container does not say.
        public var fps: Double?
        /// Rotation applied for display, in degrees (0, 90, 180, 270), from the display matrix.
        public var rotation: Int
        /// Sample (pixel) aspect ratio as numerator/denominator; 1/1 for square pixels.
        public var sampleAspectRatio: Ratio
        public var pixelFormat: String?
        public var profile: String?
        /// Whether no other video stream (cover art) comes before it in the file.
        public var isFirstVideoStream: Bool
        /// Frames of B-frame reordering (ffprobe's has_b_frames); what a re-encoded piece must match to join.
        public var reorderDelay: Int?
        /// Codec level as ffprobe reports it (H.264: 30 for 3.0).
        public var level: Int?
        /// Colour tags (range, matrix, primaries, transfer) when the file sets them.
        public var colorRange: String?
        public var colorSpace: String?
        public var colorPrimaries: String?
        public var colorTransfer: String?
        /// Whether every frame is proven to last equally long (from an MP4's sample table); false when unknown.
        public var constantFrameRate: Bool
        /// ffprobe's `field_order`: `progressive`, or `tt`, `bb`, `tb`, `bt` for interlaced video; nil when unknown.
        public var fieldOrder: String?

        /// Whether the stream says its frames are interlaced fields.
        public var interlaced: Bool { ["tt", "bb", "tb", "bt"].contains(fieldOrder ?? "") }

        public init(
            index: Int, codec: String, width: Int, height: Int, fps: Double?, rotation: Int,
            sampleAspectRatio: Ratio, pixelFormat: String?, profile: String?, isFirstVideoStream: Bool = true,
            reorderDelay: Int? = nil, level: Int? = nil, colorRange: String? = nil, colorSpace: String? = nil,
            colorPrimaries: String? = nil, colorTransfer: String? = nil, constantFrameRate: Bool = true,
            fieldOrder: String? = nil
        ) {
            self.fieldOrder = fieldOrder
            self.isFirstVideoStream = isFirstVideoStream
            self.reorderDelay = reorderDelay
            self.level = level
            self.colorRange = colorRange
            self.colorSpace = colorSpace
            self.colorPrimaries = colorPrimaries
            self.colorTransfer = colorTransfer
            self.constantFrameRate = constantFrameRate
            self.index = index
            self.codec = codec
            self.width = width
            self.height = height
            self.fps = fps
            self.rotation = rotation
            self.sampleAspectRatio = sampleAspectRatio
            self.pixelFormat = pixelFormat
            self.profile = profile
        }
    }

    public struct AudioStream: Sendable, Equatable, Codable {
        public var index: Int
        public var codec: String
        public var channels: Int
        public var sampleRate: Int
        public var isDefault: Bool
        public init(index: Int, codec: String, channels: Int, sampleRate: Int, isDefault: Bool) {
            self.index = index
            self.codec = codec
            self.channels = channels
            self.sampleRate = sampleRate
            self.isDefault = isDefault
        }
    }

    public struct Ratio: Sendable, Equatable, Codable {
        public var numerator: Int
        public var denominator: Int
        public init(numerator: Int, denominator: Int) {
            self.numerator = numerator
            self.denominator = denominator
        }
        public static let square = Ratio(numerator: 1, denominator: 1)
        public var value: Double { denominator == 0 ? 1 : Double(numerator) / Double(denominator) }
    }

    /// Length in seconds.
    public var duration: Double
    /// The container's first timestamp; keyframe times are already relative to it.
    public var startTime: Double
    public var formatName: String
    public var video: VideoStream?
    public var audio: [AudioStream]
    /// Presentation times of the video keyframes, seconds from the start, ascending.
    public var keyframeTimes: [Double]

    public var sourceInfo: SourceInfo {
        SourceInfo(
            duration: duration, width: video?.width, height: video?.height, fps: video?.fps,
            videoCodec: video?.codec, audioCodec: defaultAudio?.codec)
    }

    /// The audio track players pick: the one marked default, else the first.
    public var defaultAudio: AudioStream? { audio.first(where: \.isDefault) ?? audio.first }

    /// The keyframe at or before `time` (a stream copy from `time` really starts there).
    public func keyframe(atOrBefore time: Double) -> Double {
        let tolerance = 0.0005
        var best = keyframeTimes.first ?? 0
        for keyframe in keyframeTimes {
            if keyframe <= time + tolerance { best = keyframe } else { break }
        }
        return best
    }

    /// Width and height as shown: square pixels, rotation applied.
    public var displaySize: (width: Int, height: Int) {
        guard let video else { return (0, 0) }
        let width = Int((Double(video.width) * video.sampleAspectRatio.value).rounded())
        return video.rotation % 180 == 90 ? (video.height, width) : (width, video.height)
    }

    /// One frame's duration, or a conservative 1/60 s when the rate is unknown.
    public var frameDuration: Double { 1 / (video?.fps ?? 60) }
}
