import ClipGenCore

/// Encoder arguments for every format and codec ClipGen delivers. `quality` (0–100) is mapped
/// onto each encoder's own scale so that the same number looks about the same across codecs;
/// without one each keeps the default it always had (x264 crf 20, VP9 crf 32).
extension CutPlan {
    var videoCodec: VideoCodec? { options.resolvedVideoCodec }

    /// Whether this worker's hardware encoder does the video: H.264 (and H.265 on NVENC).
    var usesHardware: Bool {
        guard encoder.isHardware else { return false }
        switch videoCodec {
        case .h264: return true
        case .h265: return encoder == .nvenc
        default: return false
        }
    }

    /// The last filters of the chain: the pixel format the encoder wants, uploaded for VAAPI.
    /// The chain when the picture can stay in GPU memory from decode to encode (`scale_cuda`,
    /// no copy to system memory and back): NVENC encodes, NVDEC reads the source (8-bit 4:2:0
    /// H.264 or H.265) and the only picture work is the scale. Anything more (a crop, captions,
    /// repairs, a logo, an intro) runs on the CPU filters, the GPU still decoding and encoding.
    var gpuChain: [String]? {
        guard encoder == .nvenc, usesHardware, gpuDecodable, smartCut == nil, joinedBookends == nil else { return nil }
        let filters = videoFilters()
        guard filters.count == 1, filters[0].hasPrefix("scale=") else { return nil }
        return ["scale_cuda=" + filters[0].dropFirst("scale=".count)]
    }

    var uploadFilters: [String] {
        if usesHardware { return encoder.uploadFilters }
        return videoCodec == .prores ? ["format=yuv422p10le"] : ["format=yuv420p"]
    }

    /// `quality` on a constant-quality scale from `worst` (0) to `best` (100), or `fallback`.
    func scaled(worst: Double, best: Double, default fallback: Double) -> String {
        guard let quality = options.quality else { return Self.number(fallback) }
        return Self.number((worst + (best - worst) * Double(quality) / 100).rounded())
    }

    /// `-b:v` with a ceiling, for a target bitrate.
    var bitrateArguments: [String] {
        guard let kbps = options.videoBitrate else { return [] }
        return ["-b:v", "\(kbps)k", "-maxrate", "\(kbps * 3 / 2)k", "-bufsize", "\(kbps * 2)k"]
    }

    var videoCodecArguments: [String] {
        switch videoCodec {
        case .h264 where usesHardware:
            guard options.quality != nil || options.videoBitrate != nil else { return encoder.encodeArguments }
            let cq = scaled(worst: 45, best: 12, default: 21)
            return switch encoder {
            case .nvenc:
                ["-c:v", "h264_nvenc", "-preset", "p5", "-rc", "vbr", "-profile:v", "high"]
                    + (options.videoBitrate == nil ? ["-cq", cq, "-b:v", "0"] : bitrateArguments)
            default:
                ["-c:v", encoder.rawValue, "-profile:v", "high"]
                    + (options.videoBitrate == nil ? ["-qp", cq] : bitrateArguments)
            }
        case .h264:
            return ["-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high"]
                + (options.videoBitrate == nil ? ["-crf", scaled(worst: 45, best: 10, default: 20)] : bitrateArguments)
        case .h265 where usesHardware:
            return ["-c:v", "hevc_nvenc", "-preset", "p5", "-rc", "vbr", "-tag:v", "hvc1"]
                + (options.videoBitrate == nil
                    ? ["-cq", scaled(worst: 47, best: 14, default: 24), "-b:v", "0"] : bitrateArguments)
        case .h265:
            return ["-c:v", "libx265", "-preset", "fast", "-x265-params", "log-level=error", "-tag:v", "hvc1"]
                + (options.videoBitrate == nil ? ["-crf", scaled(worst: 47, best: 12, default: 24)] : bitrateArguments)
        case .av1:
            return ["-c:v", "libsvtav1", "-preset", "8"]
                + (options.videoBitrate == nil ? ["-crf", scaled(worst: 60, best: 15, default: 35)] : bitrateArguments)
        case .vp9:
            return ["-c:v", "libvpx-vp9", "-row-mt", "1", "-deadline", "good", "-cpu-used", "4"]
                + (options.videoBitrate == nil
                    ? ["-crf", scaled(worst: 60, best: 15, default: 32), "-b:v", "0"] : bitrateArguments)
        case .prores:
            // Proxy, LT, standard, HQ: the profile is ProRes's only quality setting.
            let profile = options.quality.map { $0 < 40 ? 0 : $0 < 60 ? 1 : $0 < 85 ? 2 : 3 } ?? 3
            return ["-c:v", "prores_ks", "-profile:v", "\(profile)", "-vendor", "apl0"]
        case nil:
            return []
        }
    }

    /// The sound encoder for the format (and, in mov, the video codec beside it).
    var audioCodecArguments: [String] {
        let bitrate = { (kbps: Int) in ["-b:a", "\(options.audioBitrate ?? kbps)k"] }
        switch options.format {
        case .mp4, .m4a, .hls: return ["-c:a", "aac"] + bitrate(160)
        case .webm: return ["-c:a", "libopus"] + bitrate(128)
        case .mov: return videoCodec == .prores ? ["-c:a", "pcm_s16le"] : ["-c:a", "aac"] + bitrate(160)
        case .mp3:
            if let kbps = options.audioBitrate { return ["-c:a", "libmp3lame", "-b:a", "\(kbps)k"] }
            return ["-c:a", "libmp3lame", "-q:a", scaled(worst: 9, best: 0, default: 2)]
        case .wav: return ["-c:a", "pcm_s16le"]
        case .gif, .webp: return []
        }
    }

    /// The muxer and its options.
    var containerArguments: [String] {
        switch options.format {
        case .mp4: ["-movflags", "+faststart", "-f", "mp4"]
        case .mov: ["-movflags", "+faststart", "-f", "mov"]
        case .m4a: ["-movflags", "+faststart", "-f", "ipod"]
        case .webm: ["-f", "webm"]
        case .mp3: ["-f", "mp3"]
        case .wav: ["-f", "wav"]
        case .gif: ["-f", "gif"]
        case .webp: ["-f", "webp"]
        case .hls:
            // Segments of 4 s, each starting on a keyframe forced there.
            [
                "-force_key_frames", "expr:gte(t,n_forced*4)", "-f", "hls", "-hls_time", "4", "-hls_playlist_type",
                "vod", "-hls_segment_filename", hlsDirectory + "/segment-%03d.ts",
            ]
        }
    }

    /// Where an HLS rendition's playlist and segments are written before they are packaged into `output`.
    public var hlsDirectory: String { output + ".d" }

    /// The file FFmpeg writes: the output, or an HLS rendition's playlist.
    var muxerOutput: String { options.format == .hls ? hlsDirectory + "/index.m3u8" : output }

    /// What encoded the clip, as recorded on it.
    public var encoderName: String {
        if mode == .keyframe { return "copy" }
        if mode == .smart { return "libx264+copy" }
        switch options.format {
        case .gif: return "gif"
        case .webp: return "libwebp_anim"
        case .m4a: return "aac"
        case .mp3: return "libmp3lame"
        case .wav: return "pcm_s16le"
        case .mp4, .webm, .mov, .hls:
            let arguments = videoCodecArguments
            return arguments.firstIndex(of: "-c:v").map { arguments[$0 + 1] } ?? "unknown"
        }
    }
}
