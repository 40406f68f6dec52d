import ClipGenCore

/// A smart cut: re-encode the frames before the first keyframe in the clip (head), copy whole
/// GOPs (middle), re-encode from the last keyframe to the end (tail, so no copied B-frame is left
/// without its reference), and join. Every piece keeps the source's timestamps and the head and
/// tail are encoded with the source's reorder delay, so decode times rise across both seams;
/// each piece carries its own parameter sets (MPEG-TS, then `avc3` in MP4, which allows
/// parameter sets to change in-band). Audio is cut once over the whole range, so it has no seam.
public struct SmartCut: Sendable, Equatable {
    public var headFrames: Int
    /// The first keyframe at or after the start, and how many frames are copied from it.
    public var middleStart: Double
    public var middleFrames: Int
    /// The last keyframe the copy reaches; frames from here to the end are re-encoded.
    public var tailStart: Double
    public var tailFrames: Int
    var fps: Double
    var video: MediaInfo.VideoStream

    public var totalFrames: Int { headFrames + middleFrames + tailFrames }

    /// The cut for `[start, end)`, or why this source or these options cannot be smart-cut.
    static func plan(start: Double, end: Double, options: OutputOptions, media: MediaInfo) -> Result<SmartCut, Refusal>
    {
        guard let video = media.video else { return .failure(.init("the source has no video")) }
        guard options.format == .mp4 else {
            return .failure(.init("smart cut copies H.264 into mp4; \(options.format.rawValue) is fully re-encoded"))
        }
        if let enhance = options.enhance, enhance.changesPictures || enhance.changesSound {
            return .failure(
                .init(
                    "enhancement (\(enhance.names.joined(separator: ", "))) changes every frame, so the clip was fully re-encoded"
                ))
        }
        if video.interlaced, (options.enhance?.deinterlace ?? .auto) != .off {
            return .failure(.init("the source is interlaced and is deinterlaced, so the clip was fully re-encoded"))
        }
        guard !options.changesPictures else {
            return .failure(
                .init(
                    """
                    scaling, cropping, frame-rate caps, fades, captions and cut pauses change every picture, so \
                    the clip was fully re-encoded
                    """
                ))
        }
        guard video.codec == "h264" else {
            return .failure(.init("smart cut needs an H.264 source; this one is \(video.codec)"))
        }
        guard let pixelFormat = video.pixelFormat, ["yuv420p", "yuvj420p"].contains(pixelFormat) else {
            return .failure(
                .init(
                    "smart cut needs 8-bit 4:2:0 video; this source is \(video.pixelFormat ?? "of an unknown format")"))
        }
        guard let fps = video.fps, video.constantFrameRate else {
            return .failure(.init("smart cut needs a constant frame rate proven by an MP4/MOV sample table"))
        }
        guard let delay = video.reorderDelay, delay <= 2, Self.x264Profile(video.profile) != nil, video.level != nil
        else {
            return .failure(
                .init("the source's H.264 profile, level or B-frame delay cannot be matched by the re-encoded pieces"))
        }
        let tolerance = 0.25 / fps
        let total = Int(((end - start) * fps - 1e-3).rounded(.up))
        let clipEnd = start + Double(total) / fps
        guard let first = media.keyframeTimes.first(where: { $0 >= start - tolerance }),
            let last = media.keyframeTimes.last(where: { $0 <= clipEnd + tolerance }),
            last > first + tolerance || (delay == 0 && first < clipEnd - tolerance)
        else {
            return .failure(.init("the clip holds no whole group of pictures to copy, so it was re-encoded"))
        }
        let head = Int(((first - start) * fps).rounded())
        if delay == 0 {
            // Without reordering no frame before the end refers to one after it: copy to the end.
            return .success(
                SmartCut(
                    headFrames: head, middleStart: first, middleFrames: total - head, tailStart: clipEnd,
                    tailFrames: 0, fps: fps, video: video))
        }
        let middle = Int(((last - first) * fps).rounded())
        return .success(
            SmartCut(
                headFrames: head, middleStart: first, middleFrames: middle, tailStart: last,
                tailFrames: max(0, total - head - middle), fps: fps, video: video))
    }

    /// Copies `frames` more of the last GOP instead of re-encoding them.
    mutating func copyFurther(_ frames: Int) {
        let frames = min(max(0, frames), tailFrames)
        middleFrames += frames
        tailFrames -= frames
        tailStart += Double(frames) / fps
    }

    /// How many packets of the GOP that starts at the tail's keyframe can be copied: the longest
    /// prefix, in decode order, whose frames are exactly the first N frames in display order, with
    /// N at most `limit`. Decode order guarantees everything such a prefix refers to is inside it.
    /// `packets` are presentation times (seconds, from the keyframe on) in decode order.
    static func copyablePrefix(_ packets: [Double], fps: Double, limit: Int) -> Int {
        var seen = Set<Int>()
        var highest = -1
        var best = 0
        for (count, time) in packets.enumerated() {
            // Checked as a Double first: a broken file's packet times must not overflow an Int.
            let position = (time * fps).rounded()
            guard position >= 0, position < Double(limit) else { break }
            let frame = Int(position)
            guard seen.insert(frame).inserted else { break }
            highest = max(highest, frame)
            if seen.count == highest + 1 { best = count + 1 }
        }
        return best
    }

    public struct Refusal: Error, Equatable {
        public var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    static func x264Profile(_ profile: String?) -> String? {
        switch profile {
        case "High": "high"
        case "Main": "main"
        case "Baseline", "Constrained Baseline": "baseline"
        default: nil
        }
    }

    /// x264 settings that decode like the copied GOPs: same profile, level, pixel format,
    /// colour tags and reorder delay; one keyframe only. superfast at crf 16 keeps every frame
    /// far above the 35 dB the join is held to (about 49 dB on the benchmark) at twice veryfast's speed.
    var matchedEncoder: [String] {
        let delay = video.reorderDelay ?? 0
        let level = video.level ?? 40
        var args = [
            "-c:v", "libx264", "-preset", "superfast", "-crf", "16", "-profile:v",
            Self.x264Profile(video.profile) ?? "high",
            "-level:v", "\(level / 10).\(level % 10)", "-pix_fmt", video.pixelFormat ?? "yuv420p", "-bf", "\(delay)",
            "-x264-params", "b-pyramid=\(delay >= 2 ? "normal" : "none"):keyint=100000:min-keyint=100000:scenecut=0",
        ]
        if let range = video.colorRange { args += ["-color_range", range] }
        if let space = video.colorSpace { args += ["-colorspace", space] }
        if let primaries = video.colorPrimaries { args += ["-color_primaries", primaries] }
        if let transfer = video.colorTransfer { args += ["-color_trc", transfer] }
        return args
    }

    private var quarterFrame: Double { 0.25 / fps }
    private static let common = ["-hide_banner", "-nostdin", "-y", "-v", "error", "-copyts"]
    /// Every piece is shifted by the same ten seconds, so none has a negative decode time for a
    /// muxer to "fix" on its own (the source's first frames do, with B-frames); the join rebases to zero.
    private static let offset = ["-output_ts_offset", "10"]

    func headArguments(input: String, seek: Double, output: String) -> [String] {
        Self.common + ["-ss", CutPlan.seconds(seek)] + InputPolicy.input(input) + [
            "-map", "0:v:0", "-frames:v", "\(headFrames)",
        ]
            + matchedEncoder + Self.offset + ["-f", "mpegts", output]
    }

    func middleArguments(input: String, output: String) -> [String] {
        // A stream copy seeks to the keyframe at or before the point: a quarter frame past lands on it.
        Self.common + ["-ss", CutPlan.seconds(middleStart + quarterFrame)] + InputPolicy.input(input) + [
            "-map", "0:v:0",
            "-frames:v", "\(middleFrames)", "-c", "copy", "-bsf:v", "h264_mp4toannexb",
        ] + Self.offset + ["-f", "mpegts", output]
    }

    func tailArguments(input: String, output: String) -> [String] {
        Self.common + ["-ss", CutPlan.seconds(max(0, tailStart - quarterFrame))] + InputPolicy.input(input) + [
            "-map", "0:v:0",
            "-frames:v", "\(tailFrames)",
        ] + matchedEncoder + Self.offset + ["-f", "mpegts", output]
    }

    /// The pieces as one video stream starting at zero, with the clip's audio cut in one piece.
    func joinArguments(pieces: [String], plan: CutPlan) -> [String] {
        var args = [
            "-hide_banner", "-nostdin", "-y", "-v", "error", "-progress", "pipe:1", "-nostats",
            "-i", "concat:" + pieces.joined(separator: "|"),
        ]
        if let audio = plan.audioStreamIndex {
            args += plan.inputArguments + ["-map", "0:v:0", "-map", "1:\(audio)"]
        } else {
            args += ["-map", "0:v:0"]
        }
        args += ["-c:v", "copy", "-bsf:v", "setts=pts=PTS-STARTPTS:dts=DTS-STARTPTS", "-tag:v", "avc3"]
        if plan.audioStreamIndex != nil {
            let filters = plan.audioFilters()
            if !filters.isEmpty { args += ["-af", filters.joined(separator: ",")] }
            args += ["-c:a", "aac", "-b:a", "160k"] + plan.audioChannelArguments
        }
        return args + ["-sn", "-dn", "-map_metadata", "-1", "-movflags", "+faststart", "-f", "mp4", plan.output]
    }
}
