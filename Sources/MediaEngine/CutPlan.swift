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
    /// Where the output begins in the source: `start` snapped to its frame, or the keyframe
    /// before it in keyframe mode.
    public var actualStart: Double
    /// The audio stream used, or nil when the source (or the format) has none.
    public var audioStreamIndex: Int?
    /// Its channel count.
    var audioChannels: Int?
    /// One frame's duration when the rate is known.
    var frameDuration: Double?
    var sourceFPS: Double?
    var sampleAspectRatio: MediaInfo.Ratio
    /// The container's first timestamp: ffprobe's packet times are absolute, the plan's relative.
    var sourceStartTime: Double
    /// Loudness of the source range, from `LoudnessMeter`; set before rendering when normalising.
    public var loudness: LoudnessMeasurement?
    /// The H.264 encoder for mp4 output.
    public var encoder: VideoEncoder = .libx264
    /// The pieces of a smart cut, when `mode` is `.smart`.
    public var smartCut: SmartCut?
    /// A face-following or fitted crop, planned before rendering; without it an aspect that
    /// crops is a still crop at `cropX` (or the whole picture, for `reframe: fit`).
    public var reframe: ReframeResult?
    /// An ASS subtitle file burned in last, over the finished picture.
    public var captionsFile: String?
    /// The brand kit's caption font, when the job asks for its brand.
    public var captionFont: CaptionFont?
    /// Source ranges kept once pauses were cut; nil shows `actualStart`–`end` whole.
    public var keptRanges: [TimeRange]?
    /// Seconds each joined range fades into the next; nil joins them cut to cut.
    public var crossfade: Double?
    /// The brand kit's logo, when the job asks for its brand. It changes every picture: a smart
    /// cut given one is cut exact instead, and says why.
    public var logo: LogoOverlay? {
        didSet {
            guard logo != nil, mode == .smart else { return }
            cutExact(because: "the brand's logo is laid over every picture, so the clip was fully re-encoded")
        }
    }
    /// The brand kit's intro and outro, when the job asks for its brand: joined in the clip's one
    /// encode, so a smart cut given them is cut exact instead, and says why.
    public var bookends: Bookends? {
        didSet {
            guard bookends != nil, mode == .smart else { return }
            cutExact(because: "the brand's intro or outro is joined to the clip, so it was fully re-encoded")
        }
    }
    /// The camera motion found by stabilisation's first pass (`Cutter` runs it).
    public var stabilizeTransforms: String?
    /// Bytes kept free at the front of a stream copy for its index (`-moov_size`), so the file
    /// is written once: `+faststart` writes the clip and then rewrites it whole to move the index
    /// in front, twice the bytes. About twice what the index needs; nil (then `+faststart`) when
    /// the frame rate is unknown or the room proved too small (`Cutter` tries again).
    public var moovReservation: Int?
    /// The source range's noise floor in dBFS, measured before audio denoising (`Cutter`).
    public var noiseFloor: Double?
    /// Whether the probe found the source's frames interlaced.
    var interlacedSource: Bool
    /// Whether NVDEC can decode the source into GPU memory: 8-bit 4:2:0 H.264 or H.265.
    var gpuDecodable: Bool
    /// The picture as shown (square pixels, upright), for fitted layouts.
    var pictureWidth: Int
    var pictureHeight: Int

    public init(input: String, output: String, start: Double, end: Double, options: OutputOptions, media: MediaInfo) {
        self.input = input
        self.output = output
        self.start = start
        self.end = min(end, media.duration)
        self.options = options
        self.audioStreamIndex = options.format.isAnimation ? nil : media.defaultAudio?.index
        self.audioChannels = media.defaultAudio?.channels
        if let fps = media.video?.fps, fps > 0 {
            // About 13 bytes of index per picture and 5 per AAC frame of sound; 24, 8 and a margin here.
            let seconds = max(0, min(end, media.duration) - start) + 10
            let sound = audioStreamIndex == nil ? 0 : Double(media.defaultAudio?.sampleRate ?? 48_000) / 1024
            self.moovReservation = 16_384 + Int(seconds * 1.25 * (24 * fps + 8 * sound))
        }
        self.sourceFPS = media.video?.fps
        self.frameDuration = media.video?.fps.map { 1 / $0 }
        self.sampleAspectRatio = media.video?.sampleAspectRatio ?? .square
        self.sourceStartTime = media.startTime
        self.interlacedSource = media.video?.interlaced ?? false
        self.gpuDecodable =
            media.video.map { ["h264", "hevc"].contains($0.codec) && $0.pixelFormat == "yuv420p" } ?? false
        (self.pictureWidth, self.pictureHeight) = media.displaySize
        switch options.mode {
        case .keyframe:
            mode = .keyframe
            actualStart = media.keyframe(atOrBefore: start)
        case .exact:
            mode = .exact
            actualStart = Self.frameStart(containing: start, fps: media.video?.fps)
        case .smart:
            actualStart = Self.frameStart(containing: start, fps: media.video?.fps)
            switch SmartCut.plan(start: actualStart, end: self.end, options: options, media: media) {
            case .success(let cut):
                mode = .smart
                smartCut = cut
            case .failure(let refusal):
                mode = .exact
                fallbackReason = refusal.reason
            }
        }
    }

    /// Re-encodes the whole range after all; `reason` is what the clip says about it (nil: nothing,
    /// as for a rendition, which is always cut exact).
    public mutating func cutExact(because reason: String?) {
        mode = .exact
        smartCut = nil
        fallbackReason = reason
    }

    /// Shows only `ranges` of the source, joined in their order: cut exact, since the frames
    /// between them are dropped and each range starts on its own frame.
    public mutating func join(_ ranges: [TimeRange], crossfade: Double? = nil) {
        let kept = ranges.map {
            TimeRange(start: Self.frameStart(containing: $0.start, fps: sourceFPS), end: min($0.end, end))
        }.filter { $0.duration > 0 }
        guard let first = kept.first else { return }
        if mode != .exact { cutExact(because: "a clip of several ranges is cut exact, to join them frame-exact") }
        actualStart = first.start
        keptRanges = kept
        self.crossfade = kept.count > 1 ? crossfade : nil
    }

    /// Seconds of source the output covers.
    public var outputDuration: Double { end - actualStart }

    /// Width and height of the picture once cropped to the aspect, before scaling: what
    /// captions are laid out on.
    public var shownSize: (width: Int, height: Int) {
        guard let ratio = options.aspect.ratio else { return (pictureWidth, pictureHeight) }
        return Self.cropSize(picture: (pictureWidth, pictureHeight), ratio: ratio)
    }

    /// The source ranges the output shows, and where each lands on the clip's clock.
    public var timeline: ClipTimeline {
        ClipTimeline(start: actualStart, end: end, kept: keptRanges, overlap: crossfaded?.seconds ?? 0)
    }

    /// Seconds the output lasts: shorter than `outputDuration` once pauses are cut.
    public var renderedDuration: Double {
        keptRanges.map { ClipTimeline(ranges: $0, overlap: crossfaded?.seconds ?? 0).duration } ?? outputDuration
    }

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

    /// `-ss … -i … -t …`: the part of the source this clip reads; shared with loudness measuring.
    var inputArguments: [String] {
        ["-ss", Self.seconds(seekTime)] + InputPolicy.input(input) + ["-t", Self.seconds(outputDuration)]
    }

    /// A stream copy's input: the source from the keyframe the clip starts at.
    var copyInputArguments: [String] { ["-ss", Self.seconds(seekTime)] + InputPolicy.input(input) }

    /// A stream copy's output: input number `input`'s picture and sound for the clip's length,
    /// copied into mp4. One FFmpeg run may hold several (`CopyPass`), each with its own input.
    func copyOutputArguments(input: Int) -> [String] {
        var args = ["-map", "\(input):v:0"]
        if let audioStreamIndex { args += ["-map", "\(input):\(audioStreamIndex)"] }
        let front = moovReservation.map { ["-moov_size", String($0)] } ?? ["-movflags", "+faststart"]
        return args + [
            "-t", Self.seconds(outputDuration), "-c", "copy", "-avoid_negative_ts", "make_zero",
            "-sn", "-dn", "-map_metadata", "-1",
        ] + front + ["-f", "mp4", output]
    }

    public func ffmpegArguments() -> [String] {
        var args = ["-hide_banner", "-nostdin", "-y", "-v", "error", "-progress", "pipe:1", "-nostats"]
        if gpuChain != nil {
            args += ["-hwaccel", "cuda", "-hwaccel_output_format", "cuda"]
        } else if mode != .keyframe && usesHardware {
            args += encoder.decodeArguments
        }
        if mode != .keyframe, let joinedBookends { return args + bookendArguments(joinedBookends) }
        if mode == .keyframe { return args + copyInputArguments + copyOutputArguments(input: 0) }
        args += inputArguments
        switch options.format {
        case .gif:
            // Two passes over the frames in one run: palettegen sees the whole clip, then paletteuse maps it.
            let chain = videoFilters().joined(separator: ",")
            args += [
                "-filter_complex",
                """
                [0:v:0]\(chain),split[a][b];[a]palettegen=stats_mode=diff[p];\
                [b][p]paletteuse=dither=bayer:bayer_scale=3[out]
                """,
                "-map", "[out]", "-an", "-loop", "0", "-f", "gif", output,
            ]
            return args
        case .webp:
            args += ["-map", "0:v:0", "-vf", (videoFilters() + ["format=yuva420p"]).joined(separator: ",")]
            args += ["-c:v", "libwebp_anim", "-quality", scaled(worst: 0, best: 100, default: 75), "-loop", "0", "-an"]
            return args + ["-map_metadata", "-1"] + containerArguments + [output]
        case .m4a, .mp3, .wav:
            if let audioStreamIndex { args += ["-map", "0:\(audioStreamIndex)"] }
            return args + ["-vn"] + audioArguments + ["-sn", "-dn", "-map_metadata", "-1"] + containerArguments
                + [output]
        case .mp4, .webm, .mov, .hls:
            args += ["-map", "0:v:0"]
            if let audioStreamIndex { args += ["-map", "0:\(audioStreamIndex)"] }
            let chain = gpuChain ?? (videoFilters() + uploadFilters)
            args += ["-vf", chain.joined(separator: ","), "-fps_mode", "passthrough"]
            args += videoCodecArguments
            if audioStreamIndex != nil { args += audioArguments }
            return args + ["-sn", "-dn", "-map_metadata", "-1"] + containerArguments + [muxerOutput]
        }
    }

    /// Frames arrive upright (FFmpeg applies the rotation metadata while decoding); these
    /// deinterlace, make pixels square, cut out the pauses, repair the pictures (`enhance`), crop
    /// to the aspect (still, following a face, or the whole picture over a blurred fill), scale,
    /// cap the rate, sharpen, fade and burn in the captions.
    /// Each is one filter of a chain, or a small graph whose first input and last output are the
    /// chain's (fitted layouts split the picture and overlay it again).
    func videoFilters() -> [String] {
        var filters = sourceFilters() + pictureRepairs
        if let ratio = options.aspect.ratio {
            filters.append(reframeFilter(ratio: ratio))
        }
        let height = options.height ?? (options.format.isAnimation ? 480 : nil)
        if let height {
            // Never enlarge for gif's default; an explicit height is honoured either way.
            filters.append(options.height == nil ? "scale=-2:'min(\(height),trunc(ih/2)*2)'" : "scale=-2:\(height)")
        } else if let upscaleFilter {
            filters.append(upscaleFilter)
        } else {
            filters.append("scale=trunc(iw/2)*2:trunc(ih/2)*2") // 4:2:0 needs even sizes
        }
        if let cap = options.fps ?? (options.format.isAnimation ? 15 : nil), (sourceFPS ?? .infinity) > cap {
            filters.append("fps=\(Self.number(cap))")
        }
        if let sharpenFilter { filters.append(sharpenFilter) }
        let fade = options.fadeSeconds
        if fade > 0 {
            filters.append("fade=t=in:st=0:d=\(Self.number(fade))")
            filters.append("fade=t=out:st=\(Self.number(max(0, renderedDuration - fade))):d=\(Self.number(fade))")
        }
        if let captionsFile {
            // fontsdir: libass looks there first, so the brand's font needs no system install.
            let fonts = captionFont.map { ":fontsdir='\(Self.quoted($0.directory))'" } ?? ""
            filters.append("ass=filename='\(Self.quoted(captionsFile))'\(fonts)")
        }
        if let logoFilter { filters.append(logoFilter) }
        return filters
    }

    /// The sound's filters, encoder and channels.
    var audioArguments: [String] {
        let audio = audioFilters()
        return (audio.isEmpty ? [] : ["-af", audio.joined(separator: ",")]) + audioCodecArguments
            + audioChannelArguments
    }

    /// Whole frames with square pixels, the pauses cut out: what every later filter starts from.
    func sourceFilters() -> [String] {
        var filters: [String] = []
        if let deinterlaceFilter { filters.append(deinterlaceFilter) }
        if sampleAspectRatio != .square {
            filters.append("scale=trunc(iw*sar/2)*2:ih,setsar=1")
        }
        if let (ranges, seconds) = crossfaded {
            filters.append(crossfadeVideo(ranges, seconds: seconds))
        } else if let keptRanges {
            filters.append(
                "select='\(Self.between(keptRanges, from: seekTime))',setpts=N/(\(Self.number(sourceFPS ?? 30)))/TB")
        }
        return filters
    }

    /// The crop for `options.aspect`: a still one at `cropX`, one whose position follows
    /// `reframe.path` (an expression of the frame's time), the whole picture over a blurred fill,
    /// or both, the fill shown over the crop where `reframe.fit` says.
    func reframeFilter(ratio: Double) -> String {
        let r = Self.number(ratio)
        let crop = { (x: String) in
            """
            crop=w='if(gt(iw/ih,\(r)),trunc(ih*\(r)/2)*2,trunc(iw/2)*2)':h='if(gt(iw/ih,\(r)),trunc(ih/2)*2,\
            trunc(iw/\(r)/2)*2)'
            """
                + ":x='(iw-ow)*\(x.contains("(") ? "(\(x))" : x)':y='(ih-oh)/2'"
        }
        let (width, height) = shownSize
        let fit = { (label: String) in
            """
            split[\(label)b][\(label)f];[\(label)b]scale=\(width):\(height):force_original_aspect_ratio=increase,\
            crop=\(width):\(height),
            """
                + "boxblur=luma_radius='min(h,w)/20':luma_power=2,setsar=1[\(label)bb];"
                + "[\(label)f]scale=\(width):\(height):force_original_aspect_ratio=decrease,setsar=1[\(label)ff];"
                + "[\(label)bb][\(label)ff]overlay=x=(W-w)/2:y=(H-h)/2"
        }
        // `t` counts from the seek point, a little before the clip's first frame, until pauses
        // are cut: the kept frames are then counted from zero.
        let clock = keptRanges == nil ? seekTime - actualStart : 0
        let layout = reframe?.layout ?? (options.reframe == .fit ? .fit : .still)
        switch layout {
        case .still where reframe == nil:
            return crop(Self.number(options.cropX))
        case .still, .follow:
            return crop(Self.pathExpression(reframe?.path ?? [], from: clock))
        case .fit:
            return fit("rf")
        case .mixed:
            let shown = reframe.map { Self.between($0.fit, from: clock) } ?? "0"
            return "split[rfa][rfb];[rfa]\(crop(Self.pathExpression(reframe?.path ?? [], from: clock)))[rfc];"
                + "[rfb]\(fit("rfd"))[rfe];[rfc][rfe]overlay=x=0:y=0:enable='\(shown)'"
        }
    }

    /// Width and height of the crop to `ratio` from a picture of `picture`, even.
    static func cropSize(picture: (width: Int, height: Int), ratio: Double) -> (Int, Int) {
        let (w, h) = (Double(picture.width), Double(picture.height))
        return w / max(h, 1) > ratio
            ? (Int(h * ratio / 2) * 2, Int(h / 2) * 2) : (Int(w / 2) * 2, Int(w / ratio / 2) * 2)
    }

    /// An FFmpeg expression of `t` that draws straight lines between the points (held before
    /// the first and after the last; two points at one time are a step). The filter's `t` is the
    /// path's time less `offset` (where the filter's clock starts, on the path's).
    static func pathExpression(_ path: [ReframeResult.Point], from offset: Double) -> String {
        guard let last = path.last else { return "0.5" }
        var expression = number(last.x)
        for (a, b) in zip(path, path.dropFirst()).reversed() where b.time - a.time > 1e-6 {
            let (ta, tb) = (a.time - offset, b.time - offset)
            let line =
                a.x == b.x ? number(a.x) : "\(number(a.x))+(\(number(b.x - a.x)))*(t-\(number(ta)))/\(number(tb - ta))"
            expression = "if(lt(t,\(number(tb))),\(line),\(expression))"
        }
        if let first = path.first {
            expression = "if(lt(t,\(number(first.time - offset))),\(number(first.x)),\(expression))"
        }
        return expression
    }

    /// `between(t,a,b)+…` for the ranges, on a filter clock that starts at `offset` on theirs.
    static func between(_ ranges: [TimeRange], from offset: Double) -> String {
        guard !ranges.isEmpty else { return "0" }
        return ranges.map { "between(t,\(number($0.start - offset)),\(number($0.end - offset)))" }.joined(
            separator: "+")
    }

    /// Fades, then (when normalising) loudnorm's second, linear pass from the measured values.
    func audioFilters(includingLoudnorm: Bool = true, includingRepairs: Bool = true) -> [String] {
        var filters: [String] = []
        if let (ranges, seconds) = crossfaded {
            filters.append(crossfadeAudio(ranges, seconds: seconds))
        } else if let keptRanges {
            filters.append("aselect='\(Self.between(keptRanges, from: seekTime))',asetpts=N/SR/TB")
        }
        // Repaired before the fades, so the dynamic normaliser does not undo them.
        if includingRepairs { filters += soundRepairs }
        let fade = options.fadeSeconds
        if fade > 0 {
            filters.append("afade=t=in:st=0:d=\(Self.number(fade))")
            filters.append("afade=t=out:st=\(Self.number(max(0, renderedDuration - fade))):d=\(Self.number(fade))")
        }
        if includingLoudnorm, options.normalizeAudio {
            var loudnorm = "loudnorm=I=\(Self.number(options.targetLUFS)):TP=-1.5:LRA=11"
            if let m = loudness {
                loudnorm +=
                    ":measured_I=\(Self.number(m.integrated)):measured_TP=\(Self.number(m.truePeak))"
                    + ":measured_LRA=\(Self.number(m.range)):measured_thresh=\(Self.number(m.threshold))"
                    + ":offset=\(Self.number(m.offset)):linear=true"
            }
            filters.append(loudnorm)
            filters.append("aresample=48000") // loudnorm works at 192 kHz
        }
        return filters
    }

    /// loudnorm can hand on frames whose channel layout FFmpeg no longer knows (a mono source
    /// whose range it cannot normalise linearly): naming the count lets the encoder's input be
    /// negotiated again instead of failing the render.
    var audioChannelArguments: [String] {
        guard options.normalizeAudio, let audioChannels else { return [] }
        return ["-ac", "\(audioChannels)"]
    }

    /// Seconds with microsecond precision, the way FFmpeg's duration parser reads them.
    static func seconds(_ value: Double) -> String {
        let micros = Int64((value * 1_000_000).rounded())
        let whole = micros / 1_000_000
        let fraction = abs(micros % 1_000_000)
        return "\(whole).\(String(fraction).leftPadded(to: 6))"
    }

    /// A filter argument: short, no exponent, no locale.
    static func number(_ value: Double) -> String {
        let rounded = (value * 1_000_000).rounded() / 1_000_000
        return rounded == rounded.rounded() ? String(Int64(rounded)) : String(rounded)
    }
}

extension Aspect {
    /// Width over height, or nil for the source's own.
    public var ratio: Double? {
        switch self {
        case .original: nil
        case .wide: 16.0 / 9
        case .vertical: 9.0 / 16
        case .square: 1
        case .portrait: 4.0 / 5
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
