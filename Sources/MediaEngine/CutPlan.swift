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
            actualStart = start
        case .smart:
            mode = .exact
            fallbackReason = "smart cutting is not available in this version; the clip was fully re-encoded"
            actualStart = start
        }
    }

    /// Seconds of source the output covers.
    public var outputDuration: Double { end - actualStart }

    public func ffmpegArguments() -> [String] {
        var args = ["-hide_banner", "-nostdin", "-y", "-v", "error", "-progress", "pipe:1", "-nostats",
                    "-ss", Self.seconds(actualStart), "-i", input, "-t", Self.seconds(outputDuration),
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
