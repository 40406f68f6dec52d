import ClipGenCore

/// `output.enhance` as FFmpeg filters. Pictures are repaired at the source's size, before the
/// crop and scale (deinterlacing first of all, since every other filter assumes whole frames);
/// sharpening comes after the scale, at the size it is seen at; sound is repaired before fades'
/// loudness is measured and normalised.
extension CutPlan {
    var enhancement: Enhancement { options.enhance ?? Enhancement() }

    /// `bwdif` on frames flagged interlaced (auto, for a source the probe found interlaced) or on all (on).
    var deinterlaceFilter: String? {
        switch enhancement.deinterlace {
        case .auto: interlacedSource ? "bwdif=mode=send_frame:parity=auto:deint=interlaced" : nil
        case .on: "bwdif=mode=send_frame:parity=auto:deint=all"
        case .off: nil
        }
    }

    /// Stabilising, denoising, debanding and levels, at the source's size.
    var pictureRepairs: [String] {
        let e = enhancement
        var filters: [String] = []
        if e.stabilize != nil, let stabilizeTransforms {
            filters.append(
                "vidstabtransform=input='\(Self.quoted(stabilizeTransforms))':smoothing=\(e.stabilize!.smoothing)"
                    + ":optzoom=1:interpol=bicubic")
        }
        if let denoise = e.denoise {
            let s = denoise.strength
            switch denoise.method {
            case .hqdn3d:
                let luma = 1 + 9 * s
                filters.append(
                    "hqdn3d=luma_spatial=\(Self.number(luma)):chroma_spatial=\(Self.number(luma * 0.75))"
                        + ":luma_tmp=\(Self.number(luma * 1.5)):chroma_tmp=\(Self.number(luma * 1.125))")
            case .nlmeans:
                filters.append("nlmeans=s=\(Self.number(1 + 9 * s)):p=7:r=9")
            }
        }
        if e.deband { filters.append("deband") }
        if e.autoLevels { filters.append("normalize=blackpt=black:whitept=white:smoothing=12:independence=0.5") }
        return filters
    }

    /// Lanczos enlargement to `upscale.height` when the picture as cropped is smaller; nil otherwise.
    var upscaleFilter: String? {
        guard let target = enhancement.upscale?.height, shownSize.height < target else { return nil }
        return "zscale=w=-2:h=\(target):filter=lanczos"
    }

    var sharpenFilter: String? {
        guard let sharpen = enhancement.sharpen else { return nil }
        switch sharpen.method {
        case .cas: return "cas=strength=\(Self.number(sharpen.strength))"
        case .unsharp: return "unsharp=5:5:\(Self.number(0.3 + 1.2 * sharpen.strength)):5:5:0"
        }
    }

    /// Noise reduction, then the dynamic normaliser.
    var soundRepairs: [String] {
        var filters: [String] = []
        if let denoise = enhancement.audioDenoise {
            // afftdn removes what lies near the floor it is told; FFmpeg 5's own tracking of it does not follow a
            // floor far from its start, so the range's measured floor is given.
            let floor = min(-20, max(-80, noiseFloor ?? -50))
            filters.append("afftdn=nr=\(Self.number(6 + 30 * denoise.strength)):nf=\(Self.number(floor.rounded()))")
        }
        if enhancement.dynamicNormalize { filters.append("dynaudnorm=f=150:g=5:p=0.9:m=20") }
        return filters
    }

    /// Whether the clip is stabilised: a first pass must find the camera's motion.
    public var needsMotionPass: Bool { enhancement.stabilize != nil && mode != .keyframe }

    /// The first pass of stabilisation: the frames the render will see, up to the transform,
    /// analysed into `result`.
    func motionArguments(result: String) -> [String] {
        ["-hide_banner", "-nostdin", "-v", "error"] + inputArguments + [
            "-map", "0:v:0",
            "-vf",
            (sourceFilters() + ["vidstabdetect=shakiness=8:accuracy=15:result='\(Self.quoted(result))'"])
                .joined(separator: ","),
            "-f", "null", "-",
        ]
    }

    /// A path inside a single-quoted filter argument: each ' becomes '\'' (close, escaped quote, reopen).
    static func quoted(_ path: String) -> String {
        path.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''")
    }
}

extension CutPlan {
    /// The video filter chain as one string, for checks and logs.
    public var videoFilterChain: String { videoFilters().joined(separator: ",") }
}
