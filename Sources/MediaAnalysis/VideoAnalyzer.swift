import ClipGenCore

/// Everything decided about the pictures, in one pass over their frames' features
/// (`FrameMeasurer`): hard cuts, fades, black and frozen stretches, sharpness and motion. Holds a
/// few frames' changes and one value per `step` seconds, so memory stays flat whatever the length.
final class VideoAnalyzer {
    struct Settings: Sendable {
        /// A cut's picture change must be this many times its neighbours' (PySceneDetect's adaptive ratio).
        var adaptiveRatio = 3.0
        /// …and at least this large (mean absolute change, 0–255, luma weighted twice).
        var minimumChange = 10.0
        /// Frames on each side whose change is the neighbourhood a cut must stand out from.
        var window = 2
        /// Frames after a sudden change within which a return to the earlier picture makes it a flash.
        var flashFrames = 8
        /// A flash's return is this close to the earlier picture, relative to the jump.
        var flashReturn = 0.4
        /// The shortest shot, seconds.
        var minimumScene = 0.4
        /// Luma at or below this is black (limited-range black is 16; 10% of the range above it).
        var blackLuma: UInt8 = 38
        var blackFraction = 0.98
        var minimumBlack = 0.1
        /// Mean absolute luma change under which a frame repeats the one before.
        var stillChange = 0.5
        var minimumFrozen = 2.0
        /// A fade changes the mean luma by at least this much (0–255) over at least `minimumFade` seconds.
        var fadeDepth = 15.0
        var minimumFade = 0.15
        /// A blurry stretch is this much softer than the video's median, for at least `minimumBlurry` seconds.
        var blurryRatio = 0.3
        var minimumBlurry = 2.0
    }

    struct Findings: Sendable {
        var cuts: [Analysis.Cut]
        var fades: [Analysis.Fade]
        var black: [TimeRange]
        var frozen: [TimeRange]
        var blurry: [TimeRange]
        var sharpness: [Analysis.Point]
        var motion: [Analysis.Point]
        var frames: Int
    }

    let fps: Double
    let step: Double
    let settings: Settings

    private var frameCount = 0
    /// Change of frame n against n − 1 (content, and luma alone), kept for frames not yet decided.
    private var changes: [Int: (content: Double, luma: Double)] = [:]
    /// The changes from the frame before a possible cut to each frame after it.
    private var returns: [Int: [Double]] = [:]
    private var nextCandidate = 1
    private var lastCut = Int.min / 2
    private var suppressUntil = 0
    private(set) var cuts: [Analysis.Cut] = []

    private var black: RunTracker
    private var still: RunTracker
    private var fades: [Analysis.Fade] = []
    private var previousMean = -1.0
    private var previousBlack = false
    private var falling = Ramp()
    private var rising = Ramp()

    /// Per step: sums and counts of sharpness (non-black frames) and of motion (cuts excluded).
    private var sharpnessSum: [Double] = []
    private var sharpnessCount: [Int] = []
    private var motionSum: [Double] = []
    private var motionCount: [Int] = []

    init(fps: Double, step: Double, settings: Settings = Settings()) {
        self.fps = fps
        self.step = step
        self.settings = settings
        black = RunTracker(minimumUnits: Int((settings.minimumBlack * fps).rounded()))
        still = RunTracker(minimumUnits: Int((settings.minimumFrozen * fps).rounded()) - 1)
    }

    func time(_ frame: Int) -> Double { Double(frame) / fps }

    /// Frame `n`'s feature; frames arrive in order from 0.
    func consume(_ feature: FrameFeature, at n: Int) {
        frameCount = n + 1
        let isBlack = feature.dark >= settings.blackFraction
        black.update(isBlack, at: n)
        trackFades(mean: feature.mean, isBlack: isBlack, frame: n)

        let bucket = Int(time(n) / step)
        grow(to: bucket)
        if !isBlack {
            sharpnessSum[bucket] += feature.sharpness
            sharpnessCount[bucket] += 1
        }
        if n > 0, let change = feature.change, let lumaChange = feature.lumaChange {
            changes[n] = (change, lumaChange)
            if let back = feature.returns { returns[n] = back }
            motionSum[bucket] += lumaChange
            motionCount[bucket] += 1
            still.update(lumaChange < settings.stillChange && !isBlack, at: n)
        }
        while nextCandidate + settings.window < frameCount { decide(nextCandidate) }
    }

    func finish() -> Findings {
        while nextCandidate < frameCount { decide(nextCandidate) }
        black.close(at: frameCount)
        still.close(at: frameCount)
        endFalling(at: frameCount)
        endRising(at: frameCount)
        let sharpness = sharpnessSum.indices.compactMap { i in
            sharpnessCount[i] > 0
                ? Analysis.Point(time: Double(i) * step, value: sharpnessSum[i] / Double(sharpnessCount[i])) : nil
        }
        let motion = motionSum.indices.compactMap { i in
            motionCount[i] > 0
                ? Analysis.Point(time: Double(i) * step, value: motionSum[i] / Double(motionCount[i])) : nil
        }
        let blackRanges = black.runs.map { TimeRange(start: time($0.lowerBound), end: time($0.upperBound)) }
        // A still frame repeats its predecessor, so still frames n..<m show one picture from n − 1 to m.
        let stills = still.runs.map { TimeRange(start: time($0.lowerBound - 1), end: time($0.upperBound)) }
        let frozen = stills.flatMap { Self.subtract(blackRanges, from: $0) }.filter {
            $0.duration >= settings.minimumFrozen - 0.5 / fps
        }
        return Findings(
            cuts: cuts, fades: fades, black: blackRanges, frozen: frozen,
            blurry: blurry(sharpness), sharpness: sharpness, motion: motion, frames: frameCount)
    }

    // MARK: cuts

    /// Decides whether frame `n` starts a new shot; needs the changes up to `n + window`.
    private func decide(_ n: Int) {
        defer {
            nextCandidate = n + 1
            changes[n - settings.window - 1] = nil
            returns[n] = nil
        }
        guard let (change, lumaChange) = changes[n], n >= suppressUntil, change >= settings.minimumChange else {
            return
        }
        var neighbours: [Double] = []
        for k in 1...settings.window {
            if let before = changes[n - k] { neighbours.append(before.content) }
            if let after = changes[n + k] { neighbours.append(after.content) }
        }
        let average = neighbours.isEmpty ? 0 : neighbours.reduce(0, +) / Double(neighbours.count)
        let ratio = change / max(average, 1.0)
        guard ratio >= settings.adaptiveRatio else { return }
        // A flash (or a one-frame glitch) returns to the picture before it; a cut does not.
        for (offset, back) in (returns[n] ?? []).enumerated() where back < settings.flashReturn * change {
            suppressUntil = n + offset + 2
            return
        }
        guard n - lastCut >= Int((settings.minimumScene * fps).rounded()) else { return }
        lastCut = n
        cuts.append(Analysis.Cut(time: time(n), frame: n, score: (ratio * 100).rounded() / 100))
        let bucket = Int(time(n) / step)
        if bucket < motionSum.count {
            motionSum[bucket] -= lumaChange
            motionCount[bucket] -= 1
        }
    }

    private func grow(to bucket: Int) {
        while sharpnessSum.count <= bucket {
            sharpnessSum.append(0)
            sharpnessCount.append(0)
            motionSum.append(0)
            motionCount.append(0)
        }
    }

    // MARK: fades

    /// A run of frames whose mean luma moves steadily one way.
    private struct Ramp {
        var start: Int?
        var startMean = 0.0
        var lastMean = 0.0
        var largestStep = 0.0
        var startBlack = false
    }

    private func trackFades(mean: Double, isBlack: Bool, frame n: Int) {
        guard n > 0 else {
            (previousMean, previousBlack) = (mean, isBlack)
            return
        }
        let delta = mean - previousMean
        if delta < -0.05 {
            if falling.start == nil { falling = Ramp(start: n - 1, startMean: previousMean, startBlack: previousBlack) }
            falling.largestStep = max(falling.largestStep, -delta)
            falling.lastMean = mean
        } else {
            endFalling(at: n)
        }
        if delta > 0.05 {
            if rising.start == nil { rising = Ramp(start: n - 1, startMean: previousMean, startBlack: previousBlack) }
            rising.largestStep = max(rising.largestStep, delta)
            rising.lastMean = mean
        } else {
            endRising(at: n)
        }
        (previousMean, previousBlack) = (mean, isBlack)
    }

    /// A fall that ends in black (the frame before `end`), steadily (no single step is most of it), is a fade out.
    private func endFalling(at end: Int) {
        defer { falling = Ramp() }
        guard let start = falling.start, isSteadyFade(falling, frames: end - 1 - start), previousBlack else { return }
        fades.append(Analysis.Fade(start: time(start), end: time(end - 1), kind: .out))
    }

    /// A rise that starts from black, steadily, is a fade in.
    private func endRising(at end: Int) {
        defer { rising = Ramp() }
        guard let start = rising.start, isSteadyFade(rising, frames: end - 1 - start), rising.startBlack else { return }
        fades.append(Analysis.Fade(start: time(start), end: time(end - 1), kind: .in))
    }

    private func isSteadyFade(_ ramp: Ramp, frames: Int) -> Bool {
        let depth = abs(ramp.lastMean - ramp.startMean)
        return depth >= settings.fadeDepth && Double(frames) >= settings.minimumFade * fps
            && ramp.largestStep <= 0.4 * depth
    }

    // MARK: blur

    private func blurry(_ sharpness: [Analysis.Point]) -> [TimeRange] {
        guard sharpness.count >= 3 else { return [] }
        let sorted = sharpness.map(\.value).sorted()
        let median = sorted[sorted.count / 2]
        guard median > 0 else { return [] }
        var tracker = RunTracker(minimumUnits: Int((settings.minimumBlurry / step).rounded()))
        // Points are per step; a step without a non-black frame breaks a run.
        var expected = 0
        for point in sharpness {
            let index = Int((point.time / step).rounded())
            if index != expected { tracker.close(at: expected) }
            tracker.update(point.value < settings.blurryRatio * median, at: index)
            expected = index + 1
        }
        tracker.close(at: expected)
        return tracker.runs.map { TimeRange(start: Double($0.lowerBound) * step, end: Double($0.upperBound) * step) }
    }

    /// `range` less the parts covered by `holes` (sorted, disjoint).
    static func subtract(_ holes: [TimeRange], from range: TimeRange) -> [TimeRange] {
        var pieces: [TimeRange] = []
        var start = range.start
        for hole in holes where hole.end > start && hole.start < range.end {
            if hole.start > start { pieces.append(TimeRange(start: start, end: hole.start)) }
            start = max(start, hole.end)
        }
        if start < range.end { pieces.append(TimeRange(start: start, end: range.end)) }
        return pieces
    }
}
