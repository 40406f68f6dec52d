/// How clips are rendered. Every field has a default: mp4, smart cut, original aspect, the
/// source's height and frame rate, centred crop, no loudness normalisation (−14 LUFS when on),
/// no fade, no captions, no silence cuts.
public struct OutputOptions: Codable, Sendable, Equatable {
    public var format: OutputFormat
    public var mode: CutMode
    public var aspect: Aspect
    /// Output height in pixels (even); default the source's (gif: at most 480).
    public var height: Int?
    /// Frame-rate cap; default the source's rate (gif: at most 15).
    public var fps: Double?
    /// Where the crop window sits when `aspect` crops: 0 left/top, 0.5 centre, 1 right/bottom.
    public var cropX: Double
    public var normalizeAudio: Bool
    /// Loudness target for `normalizeAudio`, in LUFS.
    public var targetLUFS: Double
    public var fadeSeconds: Double
    /// Words burned in from the source's transcript (which the job then makes).
    public var captions: CaptionOptions?
    /// How an aspect that crops is filled; nil is `center` at `cropX`.
    public var reframe: Reframe?
    /// Pauses in the speech cut out of each clip (the job then transcribes its source).
    public var removeSilences: SilenceRemoval?
    /// Filler words cut out of each clip (the job then transcribes its source).
    public var removeFillers: FillerRemoval?
    /// Picture and sound repairs; nil still deinterlaces an interlaced source (`Enhancement.deinterlace`).
    public var enhance: Enhancement?
    /// The video codec; nil is the format's default (`OutputFormat.videoCodecs`).
    public var videoCodec: VideoCodec?
    /// 0 (smallest) to 100 (best), mapped onto each codec's own scale; nil is ClipGen's default.
    public var quality: Int?
    /// Target video bitrate in kbit/s, instead of a quality.
    public var videoBitrate: Int?
    /// Audio bitrate in kbit/s; nil is the format's default.
    public var audioBitrate: Int?
    /// More files of each clip, in other formats, sizes or rates.
    public var renditions: [RenditionOptions]?

    public init(
        format: OutputFormat = .mp4, mode: CutMode = .smart, aspect: Aspect = .original,
        height: Int? = nil, fps: Double? = nil, cropX: Double = 0.5, normalizeAudio: Bool = false,
        targetLUFS: Double = -14, fadeSeconds: Double = 0, captions: CaptionOptions? = nil, reframe: Reframe? = nil,
        removeSilences: SilenceRemoval? = nil, enhance: Enhancement? = nil, videoCodec: VideoCodec? = nil,
        quality: Int? = nil, videoBitrate: Int? = nil, audioBitrate: Int? = nil
    ) {
        self.enhance = enhance
        self.videoCodec = videoCodec
        self.quality = quality
        self.videoBitrate = videoBitrate
        self.audioBitrate = audioBitrate
        self.captions = captions
        self.reframe = reframe
        self.removeSilences = removeSilences
        self.format = format
        self.mode = mode
        self.aspect = aspect
        self.height = height
        self.fps = fps
        self.cropX = cropX
        self.normalizeAudio = normalizeAudio
        self.targetLUFS = targetLUFS
        self.fadeSeconds = fadeSeconds
    }

    enum CodingKeys: String, CodingKey {
        case format, mode, aspect, height, fps, cropX, normalizeAudio, targetLUFS, fadeSeconds, captions, reframe,
            removeSilences, removeFillers, enhance, videoCodec, quality, videoBitrate, audioBitrate, renditions
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        format = try c.decodeIfPresent(OutputFormat.self, forKey: .format) ?? .mp4
        mode = try c.decodeIfPresent(CutMode.self, forKey: .mode) ?? .smart
        aspect = try c.decodeIfPresent(Aspect.self, forKey: .aspect) ?? .original
        height = try c.decodeIfPresent(Int.self, forKey: .height)
        fps = try c.decodeIfPresent(Double.self, forKey: .fps)
        cropX = try c.decodeIfPresent(Double.self, forKey: .cropX) ?? 0.5
        normalizeAudio = try c.decodeIfPresent(Bool.self, forKey: .normalizeAudio) ?? false
        targetLUFS = try c.decodeIfPresent(Double.self, forKey: .targetLUFS) ?? -14
        fadeSeconds = try c.decodeIfPresent(Double.self, forKey: .fadeSeconds) ?? 0
        captions = try c.decodeIfPresent(CaptionOptions.self, forKey: .captions)
        reframe = try c.decodeIfPresent(Reframe.self, forKey: .reframe)
        removeSilences = try c.decodeIfPresent(SilenceRemoval.self, forKey: .removeSilences)
        removeFillers = try c.decodeIfPresent(FillerRemoval.self, forKey: .removeFillers)
        enhance = try c.decodeIfPresent(Enhancement.self, forKey: .enhance)
        videoCodec = try c.decodeIfPresent(VideoCodec.self, forKey: .videoCodec)
        quality = try c.decodeIfPresent(Int.self, forKey: .quality)
        videoBitrate = try c.decodeIfPresent(Int.self, forKey: .videoBitrate)
        audioBitrate = try c.decodeIfPresent(Int.self, forKey: .audioBitrate)
        renditions = try c.decodeIfPresent([RenditionOptions].self, forKey: .renditions)
    }

    /// The video codec used: the one asked for, else the format's default; nil for sound and animations.
    public var resolvedVideoCodec: VideoCodec? { videoCodec ?? format.videoCodecs.first }

    /// Whether every picture of the clip differs from the source's (so none can be copied).
    public var changesPictures: Bool {
        aspect != .original || height != nil || fps != nil || fadeSeconds > 0 || captions != nil
            || removeSilences != nil || removeFillers != nil || enhance?.changesPictures == true
    }

    /// Whether rendering needs the source's transcript.
    public var needsTranscript: Bool { captions != nil || removeSilences != nil || removeFillers != nil }

    /// Whether rendering changes pictures or sound, which a stream copy cannot do.
    public var needsFilters: Bool {
        changesPictures || normalizeAudio || enhance?.changesSound == true
    }

    public func validate() -> [FieldError] {
        var errors: [FieldError] = []
        if let height, !(16...4320).contains(height) || height % 2 != 0 {
            errors.append(.init(field: "output.height", message: "must be an even number of pixels from 16 to 4320"))
        }
        if let fps, !(fps >= 1 && fps <= 120) {
            errors.append(.init(field: "output.fps", message: "must be from 1 to 120"))
        }
        if !(cropX >= 0 && cropX <= 1) {
            errors.append(.init(field: "output.cropX", message: "must be from 0 (left) to 1 (right)"))
        }
        if !(targetLUFS >= -70 && targetLUFS <= -5) {
            errors.append(.init(field: "output.targetLUFS", message: "must be from -70 to -5 LUFS"))
        }
        if !(fadeSeconds >= 0 && fadeSeconds <= 10) {
            errors.append(.init(field: "output.fadeSeconds", message: "must be from 0 to 10 seconds"))
        }
        errors += captions?.validate() ?? []
        errors += removeSilences?.validate() ?? []
        errors += removeFillers?.validate() ?? []
        if let enhance {
            errors += enhance.validate()
            if enhance.upscale != nil && height != nil {
                errors.append(
                    .init(
                        field: "output.enhance.upscale",
                        message: "output.height already sets the size; give one of height and enhance.upscale"))
            }
            if format.isAnimation && enhance.changesSound {
                errors.append(
                    .init(field: "output.enhance", message: "\(format.rawValue) has no sound to denoise or normalise"))
            }
        }
        if let reframe, reframe != .center, aspect == .original {
            errors.append(
                .init(
                    field: "output.reframe",
                    message: "\(reframe.rawValue) reframing needs an aspect that crops: 9:16, 1:1, 4:5 or 16:9"))
        }
        errors += deliveryErrors()
        errors += renditionErrors()
        if format.isAnimation && normalizeAudio {
            errors.append(
                .init(field: "output.normalizeAudio", message: "\(format.rawValue) has no sound to normalise"))
        }
        if mode == .keyframe {
            if format != .mp4 {
                errors.append(
                    .init(
                        field: "output.format",
                        message: "keyframe mode copies the stream into mp4; use exact or smart for \(format.rawValue)"))
            }
            if needsFilters {
                errors.append(
                    .init(
                        field: "output.mode",
                        message:
                            """
                            keyframe mode copies the stream and cannot scale, crop, fade, caption, cut silences, \
                            enhance or normalise; use exact or smart
                            """
                    ))
            }
        }
        return errors
    }

    /// Codec, quality and bitrates against the format.
    private func deliveryErrors() -> [FieldError] {
        var errors: [FieldError] = []
        if let videoCodec, !format.videoCodecs.contains(videoCodec) {
            let allowed = format.videoCodecs.map(\.rawValue)
            errors.append(
                .init(
                    field: "output.videoCodec",
                    message: allowed.isEmpty
                        ? "\(format.rawValue) has no video codec to choose"
                        : "\(format.rawValue) takes \(allowed.joined(separator: ", ")), not \(videoCodec.rawValue)"))
        }
        if let quality, !(0...100).contains(quality) {
            errors.append(.init(field: "output.quality", message: "must be from 0 (smallest) to 100 (best)"))
        }
        if quality != nil && videoBitrate != nil {
            errors.append(.init(field: "output.videoBitrate", message: "give a quality or a video bitrate, not both"))
        }
        if let videoBitrate, !(50...200_000).contains(videoBitrate) {
            errors.append(.init(field: "output.videoBitrate", message: "must be from 50 to 200000 kbit/s"))
        }
        if videoBitrate != nil && (format.isAudioOnly || format.isAnimation || resolvedVideoCodec == .prores) {
            errors.append(
                .init(field: "output.videoBitrate", message: "\(format.rawValue) has no video bitrate to set"))
        }
        if let audioBitrate, !(16...512).contains(audioBitrate) {
            errors.append(.init(field: "output.audioBitrate", message: "must be from 16 to 512 kbit/s"))
        }
        if audioBitrate != nil && (format == .wav || format.isAnimation || resolvedVideoCodec == .prores) {
            errors.append(
                .init(
                    field: "output.audioBitrate",
                    message: "\(format.rawValue) \(format.isAnimation ? "has no sound" : "keeps sound uncompressed")"))
        }
        let shapesPictures =
            aspect != .original || height != nil || fps != nil || captions != nil || enhance?.changesPictures == true
        if format.isAudioOnly && shapesPictures {
            errors.append(
                .init(
                    field: "output.format",
                    message:
                        "\(format.rawValue) is sound only: leave out aspect, height, fps, captions and picture repairs")
            )
        }
        return errors
    }
}
