import ClipGenCore

/// One clip to render from a probed source, and the FFmpeg arguments that render it. Pure:
/// argument building is unit-tested without running FFmpeg.
public struct CutPlan: Sendable, Equatable {
    public var input: String
    public var output: String
    public var start: Double
    public var end: Double
    public var options: OutputOptions
    /// The mode that will really run (`smart` falls back to `exact` until smart cutting ships).
    public var mode: CutMode
    public var fallbackReason: String?
    /// Where the output begins in the source: `start`, or the keyframe before it in keyframe mode.
    public var actualStart: Double
    public var hasAudio: Bool
    public var audioStreamIndex: Int?

    public init(input: String, output: String, start: Double, end: Double, options: OutputOptions, media: MediaInfo) {
        self.input = input
        self.output = output
        self.start = start
        self.end = min(end, media.duration)
        self.options = options
        self.hasAudio = media.defaultAudio != nil
        self.audioStreamIndex = media.defaultAudio?.index
        switch options.mode {
        case .keyframe:
            mode = .keyframe
            actualStart = media.keyframe(atOrBefore: start)
        case .exact:
            mode = .exact
            actualStart = Self.frameStart(containing: start, fps: media.video?.fps)
        case .smart:
            mode = .exact
            fallbackReason = "smart cutting is not available in this version; the clip was fully re-encoded"
            actualStart = Self.frameStart(containing: start, fps: media.video?.fps)
        }
        frameDuration = media.video?.fps.map { 1 / $0 }
    }

    /// One frame's duration when the rate is known.
    var frameDuration: Double?

    /// The start of the frame on screen at `time`: a clip asked to start mid-frame starts with that frame.
    static func frameStart(containing time: Double, fps: Double?) -> Double {
        guard let fps, fps > 0 else { return time }
        return (time * fps + 1e-3).rounded(.down) / fps
    }

    /// Where FFmpeg seeks. It keeps frames whose timestamp is at or after the seek point, so a
    /// re-encode seeks a quarter frame early: a frame time printed rounded up is not skipped.
    var seekTime: Double {
        guard mode != .keyframe, let frameDuration else { return actualStart }
        return max(0, actualStart - frameDuration / 4)
    }

    /// Seconds of source the output covers.
    public var outputDuration: Double { end - actualStart }

    public func ffmpegArguments() -> [String] {
        var args = ["-hide_banner", "-nostdin", "-y", "-v", "error", "-progress", "pipe:1", "-nostats",
                    "-ss", Self.seconds(seekTime), "-i", input, "-t", Self.seconds(outputDuration),
                    "-map", "0:v:0"]
        if let audioStreamIndex { args += ["-map", "0:\(audioStreamIndex)"] }
        switch mode {
        case .keyframe:
            args += ["-c", "copy", "-avoid_negative_ts", "make_zero"]
        case .exact, .smart:
            if let height = options.height { args += ["-vf", "scale=-2:\(height)"] }
            args += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p",
                     "-fps_mode", "passthrough"]
            if hasAudio { args += ["-c:a", "aac", "-b:a", "160k"] }
        }
        args += ["-sn", "-dn", "-map_metadata", "-1", "-movflags", "+faststart", "-f", "mp4", output]
        return args
    }

    /// Seconds with microsecond precision, the way FFmpeg's duration parser reads them.
    static func seconds(_ value: Double) -> String {
        let micros = Int64((value * 1_000_000).rounded())
        let whole = micros / 1_000_000, fraction = micros % 1_000_000
        let padded = String(fraction).leftPadded(to: 6)
        return "\(whole).\(padded)"
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
