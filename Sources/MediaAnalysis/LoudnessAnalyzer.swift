import ClipGenCore
import Foundation

/// EBU R128 loudness of 48 kHz float PCM, streaming: K-weighting (ITU-R BS.1770-4), momentary
/// loudness every 100 ms, gated integrated loudness, loudness range (EBU Tech 3342), 4×
/// oversampled true peak, and silent stretches. Gating uses histograms of 0.01 LU bins, so
/// memory does not grow with the length.
final class LoudnessAnalyzer {
    struct Settings: Sendable {
        /// A 100 ms block quieter than this (unweighted mean square, dBFS) is silent.
        var silenceDB = -50.0
        var minimumSilence = 0.5
    }

    struct Findings: Sendable {
        var integrated: Double?
        var range: Double?
        var truePeak: Double?
        /// Mean momentary power per `step`, as LUFS (−∞ as nil).
        var curve: [Analysis.Loudness.Sample]
        var silences: [TimeRange]
        var seconds: Double

        /// The figures as the analysis reports them, to a tenth.
        func loudness(withCurve: Bool) -> Analysis.Loudness {
            func tenth(_ value: Double) -> Double { (value * 10).rounded() / 10 }
            return Analysis.Loudness(
                integratedLUFS: integrated.map(tenth), rangeLU: range.map(tenth),
                truePeakDBTP: truePeak.map(tenth), curve: withCurve ? curve : [])
        }
    }

    static let sampleRate = 48_000
    static let blockSamples = sampleRate / 10

    let step: Double
    let settings: Settings
    private var measurer: BlockMeasurer
    private var blocks = 0
    /// The last 30 blocks' channel-summed K-weighted mean squares (3 s), newest at `(blocks - 1) % 30`.
    private var recent = [Double](repeating: 0, count: 30)

    private var momentary = GatingHistogram()
    private var shortTerm = GatingHistogram()
    private var curvePower: [Double] = []
    private var curveCount: [Int] = []
    private var silence: RunTracker

    init(channels: Int, step: Double, settings: Settings = Settings()) {
        self.step = step
        self.settings = settings
        measurer = BlockMeasurer(channels: channels)
        silence = RunTracker(minimumUnits: Int((settings.minimumSilence * 10).rounded()))
    }

    /// Interleaved samples; a trailing partial frame is not allowed (the reader keeps whole frames).
    func consume(_ samples: UnsafeBufferPointer<Float>) {
        measurer.consume(samples, emit: consume)
    }

    /// The next 100 ms block, measured here or by a segment's `BlockMeasurer`.
    func consume(_ block: AudioBlock) {
        let power = block.power
        recent[blocks % recent.count] = power
        silence.update(10 * log10(max(block.raw, 1e-20)) < settings.silenceDB, at: blocks)
        blocks += 1

        if blocks >= 4 {
            let window = (1...4).reduce(0.0) { $0 + recent[(blocks - $1) % recent.count] } / 4
            momentary.add(power: window)
            let bucket = Int(Double(blocks) * 0.1 / step - 1e-9)
            while curvePower.count <= bucket {
                curvePower.append(0)
                curveCount.append(0)
            }
            curvePower[bucket] += window
            curveCount[bucket] += 1
        }
        if blocks >= 30 {
            shortTerm.add(power: recent.reduce(0, +) / 30)
        }
    }

    func finish() -> Findings {
        finish(truePeak: measurer.truePeak, partialSamples: measurer.blockFill)
    }

    /// The findings of blocks given one by one: the peak and the samples after the last whole
    /// block come from whoever measured the samples.
    func finish(truePeak peakValue: Double, partialSamples: Int) -> Findings {
        silence.close(at: blocks)
        let curve = curvePower.indices.compactMap { i -> Analysis.Loudness.Sample? in
            guard curveCount[i] > 0 else { return nil }
            let lufs = Self.lufs(curvePower[i] / Double(curveCount[i]))
            return Analysis.Loudness.Sample(
                time: Double(i) * step, momentaryLUFS: max(-120, (lufs * 10).rounded() / 10))
        }
        return Findings(
            integrated: momentary.integrated(relativeGate: -10),
            range: shortTerm.range(),
            truePeak: peakValue > 0 ? 20 * log10(peakValue) : nil,
            curve: curve,
            silences: silence.runs.map {
                TimeRange(start: Double($0.lowerBound) / 10, end: Double($0.upperBound) / 10)
            },
            seconds: Double(blocks) / 10 + Double(partialSamples) / Double(Self.sampleRate))
    }

    static func lufs(_ power: Double) -> Double { -0.691 + 10 * log10(max(power, 1e-20)) }
}

/// Gating blocks by loudness in 0.01 LU bins from −70 to +10 LUFS, each bin keeping its count and
/// its summed power, so the gated mean is exact but for blocks within 0.01 LU of the gate.
struct GatingHistogram {
    static let floor = -70.0, ceiling = 10.0, resolution = 0.01
    private var counts = [Int](repeating: 0, count: Int((ceiling - floor) / resolution))
    private var powers = [Double](repeating: 0, count: Int((ceiling - floor) / resolution))

    mutating func add(power: Double) {
        let loudness = LoudnessAnalyzer.lufs(power)
        guard loudness > Self.floor else { return } // the absolute gate
        let bin = min(counts.count - 1, Int((loudness - Self.floor) / Self.resolution))
        counts[bin] += 1
        powers[bin] += power
    }

    private func bin(of loudness: Double) -> Int {
        min(counts.count, max(0, Int(((loudness - Self.floor) / Self.resolution).rounded(.up))))
    }

    /// The power mean of blocks above the absolute gate, then above that mean + `relativeGate` LU.
    func integrated(relativeGate: Double) -> Double? {
        let total = counts.reduce(0, +)
        guard total > 0 else { return nil }
        let gate = LoudnessAnalyzer.lufs(powers.reduce(0, +) / Double(total)) + relativeGate
        let first = bin(of: gate)
        let n = counts[first...].reduce(0, +)
        guard n > 0 else { return nil }
        return LoudnessAnalyzer.lufs(powers[first...].reduce(0, +) / Double(n))
    }

    /// EBU Tech 3342: the 10th to 95th percentile spread of short-term loudness above a −20 LU relative gate.
    func range() -> Double? {
        let total = counts.reduce(0, +)
        guard total > 0 else { return nil }
        let gate = LoudnessAnalyzer.lufs(powers.reduce(0, +) / Double(total)) - 20
        let first = bin(of: gate)
        let n = counts[first...].reduce(0, +)
        guard n > 0 else { return nil }
        func percentile(_ p: Double) -> Double {
            let target = Int((p * Double(n - 1)).rounded())
            var seen = 0
            for i in first..<counts.count {
                seen += counts[i]
                if seen > target { return Self.floor + (Double(i) + 0.5) * Self.resolution }
            }
            return Self.ceiling
        }
        return percentile(0.95) - percentile(0.10)
    }
}

/// A direct-form I biquad.
struct Biquad {
    var b0, b1, b2, a1, a2: Double
    private var x1 = 0.0, x2 = 0.0, y1 = 0.0, y2 = 0.0

    init(b0: Double, b1: Double, b2: Double, a1: Double, a2: Double) {
        (self.b0, self.b1, self.b2, self.a1, self.a2) = (b0, b1, b2, a1, a2)
    }

    mutating func process(_ x: Double) -> Double {
        let y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
        (x2, x1, y2, y1) = (x1, x, y1, y)
        return y
    }

    /// BS.1770-4's two K-weighting stages at 48 kHz: the head's high shelf, then the RLB high-pass.
    static let kWeightingShelf = Biquad(
        b0: 1.53512485958697, b1: -2.69169618940638, b2: 1.19839281085285,
        a1: -1.69065929318241, a2: 0.73248077421585)
    static let kWeightingHighPass = Biquad(b0: 1.0, b1: -2.0, b2: 1.0, a1: -1.99004745483398, a2: 0.99007225036621)
}

/// The largest absolute value of a signal upsampled 4× by a 48-tap windowed-sinc interpolator
/// (the approach of BS.1770-4 Annex 2), so peaks between samples count.
struct TruePeak {
    static let phases = 4, tapsPerPhase = 12
    /// `coefficients[phase][k]` multiplies the sample `k` steps back.
    static let coefficients: [[Double]] = {
        let taps = phases * tapsPerPhase
        let centre = Double(taps - 1) / 2
        var h = [Double](repeating: 0, count: taps)
        for i in 0..<taps {
            let t = (Double(i) - centre) / Double(phases)
            let sinc = t == 0 ? 1 : sin(Double.pi * t) / (Double.pi * t)
            let window = 0.5 - 0.5 * cos(2 * Double.pi * (Double(i) + 0.5) / Double(taps))
            h[i] = sinc * window
        }
        return (0..<phases).map { phase in
            let taps = (0..<tapsPerPhase).map { h[phase + phases * $0] }
            let gain = taps.reduce(0, +)
            return taps.map { $0 / gain }
        }
    }()

    private var history = [Double](repeating: 0, count: tapsPerPhase)
    private var position = 0
    private(set) var maximum = 0.0

    /// The next sample; one not `counted` only feeds the interpolator (a lead-in measured elsewhere).
    mutating func add(_ x: Double, counted: Bool = true) {
        if counted { maximum = max(maximum, abs(x)) }
        position = (position + 1) % Self.tapsPerPhase
        history[position] = x
        for phase in 0..<Self.phases {
            let c = Self.coefficients[phase]
            var y = 0.0
            var p = position
            for k in 0..<Self.tapsPerPhase {
                y += c[k] * history[p]
                p = p == 0 ? Self.tapsPerPhase - 1 : p - 1
            }
            if counted { maximum = max(maximum, abs(y)) }
        }
    }
}
