/// A video frame rate as editors write it: a ratio, so 29.97 is exactly 30000/1001 and a frame
/// count converts to time without drift.
public struct FrameRate: Sendable, Equatable {
    public var numerator: Int
    public var denominator: Int

    public init(numerator: Int, denominator: Int) {
        self.numerator = numerator
        self.denominator = denominator
    }

    /// The ratio a measured rate stands for: the NTSC rates as /1001, whole rates as /1, and
    /// anything else to the millisecond. No rate (an audio-only source) counts in 25ths.
    public init(fps: Double?) {
        guard let fps, fps.isFinite, fps > 0 else {
            self.init(numerator: 25, denominator: 1)
            return
        }
        for nominal in [24, 30, 48, 60, 120] where abs(fps - Double(nominal) * 1000 / 1001) < 0.005 {
            self.init(numerator: nominal * 1000, denominator: 1001)
            return
        }
        if abs(fps - fps.rounded()) < 0.005 {
            self.init(numerator: Int(fps.rounded()), denominator: 1)
        } else {
            self.init(numerator: Int((fps * 1000).rounded()), denominator: 1000)
        }
    }

    public var fps: Double { Double(numerator) / Double(denominator) }

    /// The whole frames per second a timecode counts (30 for 29.97, non-drop).
    public var timecodeBase: Int { Int((fps).rounded()) }

    /// The frame on screen at `seconds`, to the nearest frame boundary.
    public func frame(_ seconds: Double) -> Int { Int((seconds * fps).rounded()) }

    /// `HH:MM:SS:FF`, counting whole frames at `timecodeBase` (non-drop).
    public func timecode(_ frame: Int) -> String {
        let base = timecodeBase
        let frames = frame % base
        let totalSeconds = frame / base
        func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(pad(totalSeconds / 3600)):\(pad(totalSeconds / 60 % 60)):\(pad(totalSeconds % 60)):\(pad(frames))"
    }

    /// `frames` as FCPXML writes a time: a rational number of seconds, `N/Ds`.
    public func rationalSeconds(_ frames: Int) -> String {
        frames == 0 ? "0s" : "\(frames * denominator)/\(numerator)s"
    }
}
