/// What the analyze stage found in a source: the body of `GET /v1/jobs/{id}/analysis` and of
/// `clipgen analyze --json`. Times are seconds from the source's start.
public struct Analysis: Codable, Sendable, Equatable {
    public struct Cut: Codable, Sendable, Equatable {
        public var time: Double
        /// Index of the first frame of the new shot.
        public var frame: Int
        /// How strongly the picture changed against its neighbours (the detector's ratio, ≥ 1).
        public var score: Double
        public init(time: Double, frame: Int, score: Double) {
            self.time = time
            self.frame = frame
            self.score = score
        }
    }

    public struct Fade: Codable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable { case `in`, out }
        public var start: Double
        public var end: Double
        public var kind: Kind
        public init(start: Double, end: Double, kind: Kind) {
            self.start = start
            self.end = end
            self.kind = kind
        }
    }

    public struct Point: Codable, Sendable, Equatable {
        public var time: Double
        public var value: Double
        public init(time: Double, value: Double) {
            self.time = time
            self.value = value
        }
    }

    public struct Loudness: Codable, Sendable, Equatable {
        public struct Sample: Codable, Sendable, Equatable {
            public var time: Double
            public var momentaryLUFS: Double
            public init(time: Double, momentaryLUFS: Double) {
                self.time = time
                self.momentaryLUFS = momentaryLUFS
            }
        }
        /// Gated integrated loudness (ITU-R BS.1770-4); nil when everything is below the −70 LUFS gate.
        public var integratedLUFS: Double?
        /// Loudness range (EBU Tech 3342), LU.
        public var rangeLU: Double?
        /// 4× oversampled true peak, dBTP; nil for digital silence.
        public var truePeakDBTP: Double?
        public var curve: [Sample]
        public init(integratedLUFS: Double?, rangeLU: Double?, truePeakDBTP: Double?, curve: [Sample]) {
            self.integratedLUFS = integratedLUFS
            self.rangeLU = rangeLU
            self.truePeakDBTP = truePeakDBTP
            self.curve = curve
        }
    }

    public var duration: Double
    public var fps: Double?
    public var cuts: [Cut]
    public var fades: [Fade]
    public var scenes: [TimeRange]
    /// nil when the source has no audio.
    public var loudness: Loudness?
    public var silences: [TimeRange]
    public var black: [TimeRange]
    public var frozen: [TimeRange]
    /// Stretches much softer than the rest of the video (out of focus, heavy compression).
    public var blurry: [TimeRange]
    /// Variance of the Laplacian of the luma, averaged per `step` seconds.
    public var sharpness: [Point]
    /// Mean absolute luma change between consecutive frames (0–255), averaged per `step`, cuts excluded.
    public var motion: [Point]
    public var highlights: [Highlight]
    /// Without a highlights request, the moments the picker would choose first (up to five of
    /// 5–30 s), to show on a timeline; they are never rendered. nil when highlights were asked for.
    public var suggestions: [Highlight]?
    /// Seconds between points of `sharpness`, `motion` and the loudness curve.
    public var step: Double

    public init(
        duration: Double, fps: Double?, cuts: [Cut] = [], fades: [Fade] = [], scenes: [TimeRange] = [],
        loudness: Loudness? = nil, silences: [TimeRange] = [], black: [TimeRange] = [], frozen: [TimeRange] = [],
        blurry: [TimeRange] = [], sharpness: [Point] = [], motion: [Point] = [], highlights: [Highlight] = [],
        step: Double
    ) {
        self.duration = duration
        self.fps = fps
        self.cuts = cuts
        self.fades = fades
        self.scenes = scenes
        self.loudness = loudness
        self.silences = silences
        self.black = black
        self.frozen = frozen
        self.blurry = blurry
        self.sharpness = sharpness
        self.motion = motion
        self.highlights = highlights
        self.step = step
    }
}

public struct TimeRange: Codable, Sendable, Equatable {
    public var start: Double
    public var end: Double
    public init(start: Double, end: Double) {
        self.start = start
        self.end = end
    }
    public var duration: Double { end - start }
    public func contains(_ time: Double) -> Bool { time >= start && time <= end }
}

/// A window the highlight picker chose; it becomes one of the job's clips.
public struct Highlight: Codable, Sendable, Equatable {
    public var start: Double
    public var end: Double
    /// 0–1: how much the window stands out from the rest of the video.
    public var score: Double
    /// Why it was picked, in words ("loudest stretch of the video; 4 shot changes").
    public var reason: String
    public init(start: Double, end: Double, score: Double, reason: String) {
        self.start = start
        self.end = end
        self.score = score
        self.reason = reason
    }
}

/// How close a rendered clip is to its source range, and how loud it is.
public struct ClipQuality: Codable, Sendable, Equatable {
    /// Mean PSNR over the clip's frames, dB, capped at 100 (identical frames have an infinite PSNR).
    public var psnr: Double?
    /// Mean SSIM (all planes), 0–1.
    public var ssim: Double?
    /// VMAF, when the FFmpeg build has libvmaf.
    public var vmaf: Double?
    /// Integrated loudness of the clip's audio, LUFS; nil without audio.
    public var loudnessLUFS: Double?
    public init(psnr: Double?, ssim: Double?, vmaf: Double? = nil, loudnessLUFS: Double?) {
        self.psnr = psnr
        self.ssim = ssim
        self.vmaf = vmaf
        self.loudnessLUFS = loudnessLUFS
    }
}
