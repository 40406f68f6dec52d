import ClipGenCore
import Foundation

/// Picks the windows of a video most worth clipping from what the analysis measured: loudness
/// against the video's own baseline, motion, shot changes and sound rather than silence, and,
/// with a transcript, what is said (questions, exclamations, keywords, pace; a query's words
/// above all). Every sum over a window comes from prefix sums, so trying every start and length
/// is cheap. With a transcript, edges land between sentences and never inside a word.
struct HighlightPicker {
    struct Request: Sendable {
        var count: Int
        var minDuration: Double
        var maxDuration: Double
    }

    /// Weights of the four signals in a window's score; they add up to 1.
    static let weights = (loudness: 0.4, motion: 0.25, shots: 0.2, sound: 0.15)
    /// With a transcript, what is said takes this share of the score from the others.
    static let speechWeight = 0.3
    /// With a query, how often its words are said takes this share.
    static let queryWeight = 0.6
    /// How far an edge may move to land on a cut or a pause.
    static let snapDistance = 3.0

    let analysis: Analysis
    var transcript: Transcript?
    var query: String?

    init(analysis: Analysis, transcript: Transcript? = nil, query: String? = nil) {
        self.analysis = analysis
        self.transcript = transcript
        self.query = query
    }

    func pick(_ request: Request) -> [Highlight] {
        let duration = analysis.duration
        guard duration > 0, request.count > 0 else { return [] }
        if duration <= request.minDuration {
            return [
                Highlight(
                    start: 0, end: duration, score: 1,
                    reason: "the whole video (it is shorter than the \(Self.seconds(request.minDuration)) s asked for)")
            ]
        }
        let step = analysis.step
        let steps = max(1, Int((duration / step).rounded(.up)))
        let signals = Signals(analysis: analysis, steps: steps)
        let speech = transcript.map { SpeechSignals(transcript: $0, query: query, step: step, steps: steps) }
        let lengths = Self.lengths(min: request.minDuration, max: min(request.maxDuration, duration), step: step)

        var candidates: [(start: Int, length: Int, score: Double)] = []
        var loudest: [Int: Double] = [:]
        for length in lengths where length <= steps {
            for start in 0...(steps - length) {
                var score = signals.score(start, length)
                if let speech {
                    score = (1 - Self.speechWeight) * score + Self.speechWeight * speech.interest(start, length)
                    if speech.queryPrefix != nil {
                        // Only windows where the query is said are candidates.
                        guard speech.queryHits(start, length) > 0 else { continue }
                        score = (1 - Self.queryWeight) * score + Self.queryWeight * speech.queryDensity(start, length)
                    }
                }
                candidates.append((start, length, score))
                loudest[length] = max(loudest[length] ?? -.infinity, signals.loudness(start, length))
            }
        }
        // Best first; among equals, the longer and then the earlier window.
        candidates.sort { ($0.score, $0.length, -$0.start) > ($1.score, $1.length, -$1.start) }

        var chosen: [Highlight] = []
        var taken: [TimeRange] = []
        for candidate in candidates where chosen.count < request.count {
            var window = TimeRange(
                start: Double(candidate.start) * step, end: Double(candidate.start + candidate.length) * step)
            if window.end > duration {
                // The last step runs past the end: slide back rather than come out shorter than asked.
                window = TimeRange(start: max(0, duration - window.duration), end: duration)
            }
            guard !taken.contains(where: { $0.start < window.end && window.start < $0.end }) else { continue }
            let snapped = snap(window, request: request, avoiding: taken)
            taken.append(snapped)
            let said = speech?.reason(candidate.start, candidate.length) ?? []
            let reason =
                (said + [
                    signals.reason(
                        candidate.start, candidate.length, cuts: cutCount(in: snapped),
                        loudest: loudest[candidate.length])
                ]).joined(separator: "; ")
            chosen.append(
                Highlight(
                    start: Self.round(snapped.start), end: Self.round(snapped.end),
                    score: Self.round(candidate.score), reason: reason))
        }
        return chosen.sorted { $0.start < $1.start }
    }

    /// Window lengths in steps: every 5 s from the shortest to the longest (both included).
    static func lengths(min: Double, max: Double, step: Double) -> [Int] {
        var seconds: [Double] = []
        var s = min
        while s < max - 1e-9 {
            seconds.append(s)
            s += 5
        }
        seconds.append(max)
        // Whole steps inside the bounds, so rounding never makes a window shorter or longer than asked.
        let shortest = Swift.max(1, Int((min / step - 1e-9).rounded(.up)))
        let longest = Int((max / step + 1e-9).rounded(.down))
        guard shortest <= longest else { return [Swift.max(1, Int((min / step).rounded()))] }
        return Array(Set(seconds.map { Swift.min(longest, Swift.max(shortest, Int(($0 / step).rounded()))) })).sorted()
    }

    /// Moves the edges onto shot boundaries or pauses in the sound within reach, keeping the
    /// length between the bounds and clear of windows already taken: of the pairs that fit, the
    /// one that snaps most edges and moves them least. An edge stays put only when none fits.
    func snap(_ window: TimeRange, request: Request, avoiding taken: [TimeRange]) -> TimeRange {
        var starts = analysis.scenes.map(\.start) + analysis.silences.map { max($0.start, $0.end - 0.25) } + [0]
        var ends =
            analysis.scenes.map(\.end) + analysis.silences.map { min($0.end, $0.start + 0.25) } + [analysis.duration]
        if let transcript {
            // A moment before a sentence begins and after it ends, inside the pause between.
            let sentences = transcript.sentences
            for (index, sentence) in sentences.enumerated() {
                let before = index > 0 ? sentences[index - 1].end : 0
                let after = index + 1 < sentences.count ? sentences[index + 1].start : analysis.duration
                starts.append(max(before, (before + sentence.start) / 2, sentence.start - 0.3))
                ends.append(min(after, (sentence.end + after) / 2, sentence.end + 0.3))
            }
            starts = starts.filter { transcript.word(containing: $0) == nil }
            ends = ends.filter { transcript.word(containing: $0) == nil }
        }
        // An edge left where it was must not be inside a word either: it moves to the pause before the word.
        let spoken = { (time: Double) -> Double in
            guard let transcript, let word = transcript.word(containing: time) else { return time }
            let before = transcript.words.last { $0.end <= word.start }?.end ?? 0
            return max(before, word.start - 0.05)
        }
        func options(_ time: Double, _ points: [Double]) -> [(time: Double, cost: Double)] {
            points.filter { abs($0 - time) <= Self.snapDistance }.map { ($0, abs($0 - time)) } + [(spoken(time), 10)]
        }
        var best: (range: TimeRange, cost: Double)?
        for start in options(window.start, starts) {
            for end in options(window.end, ends) {
                let range = TimeRange(start: start.time, end: end.time)
                let fits =
                    range.duration >= request.minDuration - 1e-6 && range.duration <= request.maxDuration + 1e-6
                    && range.start >= 0 && range.end <= analysis.duration + 1e-6
                    && !taken.contains { $0.start < range.end && range.start < $0.end }
                if fits, start.cost + end.cost < best?.cost ?? .infinity { best = (range, start.cost + end.cost) }
            }
        }
        let range = best?.range ?? window
        return TimeRange(start: spoken(range.start), end: spoken(range.end))
    }

    func cutCount(in range: TimeRange) -> Int {
        analysis.cuts.filter { $0.time > range.start + 0.01 && $0.time < range.end - 0.01 }.count
    }

    static func round(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
    static func seconds(_ value: Double) -> String { value == value.rounded() ? String(Int(value)) : String(value) }
}

/// Per-step signals of one video, each scaled to 0–1, with prefix sums for window means.
private struct Signals {
    var loudnessPrefix: [Double]
    var excitementPrefix: [Double]
    var motionPrefix: [Double]
    var soundPrefix: [Double]
    var cutPrefix: [Double]
    var hasAudio: Bool
    var step: Double

    init(analysis: Analysis, steps: Int) {
        step = analysis.step
        hasAudio = analysis.loudness != nil
        // Loudness per step, and the video's own baseline: its median over steps with sound.
        var loudness = [Double](repeating: -70, count: steps)
        for sample in analysis.loudness?.curve ?? [] {
            let i = Int((sample.time / step).rounded())
            if i >= 0 && i < steps { loudness[i] = max(-70, sample.momentaryLUFS) }
        }
        let audible = loudness.filter { $0 > -60 }.sorted()
        let baseline = audible.isEmpty ? -70 : audible[audible.count / 2]
        // +10 LU over the baseline is as exciting as it gets.
        let excitement = loudness.map { min(1, max(0, ($0 - baseline) / 10)) }

        var motion = [Double](repeating: 0, count: steps)
        for point in analysis.motion {
            let i = Int((point.time / step).rounded())
            if i >= 0 && i < steps { motion[i] = point.value }
        }
        let sortedMotion = motion.sorted()
        let typical = max(sortedMotion[sortedMotion.count / 2], 0.5)
        // Twice the typical motion saturates; frozen or black stretches count as none.
        var motionScore = motion.map { min(1, $0 / (2 * typical)) }
        let unit = analysis.step
        // Steps a range touches, clamped to the video (the sound may run a little past the picture).
        func touched(_ range: TimeRange) -> Range<Int> {
            let lower = max(0, Int(range.start / unit))
            let upper = min(steps, Int((range.end / unit).rounded(.up)))
            return lower < upper ? lower..<upper : 0..<0
        }
        for range in analysis.frozen + analysis.black {
            for i in touched(range) { motionScore[i] = 0 }
        }

        var sound = [Double](repeating: hasAudio ? 1 : 0, count: steps)
        for silence in analysis.silences {
            for i in touched(silence) { sound[i] = 0 }
        }
        var cuts = [Double](repeating: 0, count: steps)
        for cut in analysis.cuts {
            let i = Int(cut.time / step)
            if i >= 0 && i < steps { cuts[i] += 1 }
        }
        func prefix(_ values: [Double]) -> [Double] {
            var sums = [0.0]
            sums.reserveCapacity(values.count + 1)
            for value in values { sums.append(sums.last! + value) }
            return sums
        }
        loudnessPrefix = prefix(loudness.map { pow(10, $0 / 10) })
        excitementPrefix = prefix(excitement)
        motionPrefix = prefix(motionScore)
        soundPrefix = prefix(sound)
        cutPrefix = prefix(cuts)
    }

    func mean(_ prefix: [Double], _ start: Int, _ length: Int) -> Double {
        (prefix[start + length] - prefix[start]) / Double(length)
    }

    /// Shots per 10 s: one change every 2.5 s (4 per 10 s) saturates. Changes in the first and
    /// last second do not count: the edges will be snapped onto them.
    func shots(_ start: Int, _ length: Int) -> Double {
        let margin = min(Int((1 / step).rounded()), length / 4)
        let changes = cutPrefix[start + length - margin] - cutPrefix[start + margin]
        return min(1, changes / (Double(length) * step / 10) / 4)
    }

    func score(_ start: Int, _ length: Int) -> Double {
        let w = HighlightPicker.weights
        var score = w.motion * mean(motionPrefix, start, length) + w.shots * shots(start, length)
        if hasAudio {
            score += w.loudness * mean(excitementPrefix, start, length) + w.sound * mean(soundPrefix, start, length)
        } else {
            // Without sound, the picture carries the whole score.
            score /= (w.motion + w.shots)
        }
        return min(1, max(0, score))
    }

    /// Power-mean loudness of a window, LUFS.
    func loudness(_ start: Int, _ length: Int) -> Double {
        10 * log10(max(mean(loudnessPrefix, start, length), 1e-12))
    }

    func reason(_ start: Int, _ length: Int, cuts: Int, loudest: Double?) -> String {
        var parts: [String] = []
        if hasAudio {
            let excitement = mean(excitementPrefix, start, length)
            if let loudest, abs(loudness(start, length) - loudest) < 0.5, excitement > 0.05 {
                parts.append("loudest stretch of the video")
            } else if excitement > 0.05 {
                parts.append(String(format: "louder than usual (+%.1f LU)", excitement * 10))
            }
        }
        let motion = mean(motionPrefix, start, length)
        if motion >= 0.6 { parts.append("lots of movement") } else if motion >= 0.35 { parts.append("steady movement") }
        if cuts > 0 { parts.append(cuts == 1 ? "1 shot change" : "\(cuts) shot changes") }
        if hasAudio, mean(soundPrefix, start, length) >= 0.999 { parts.append("no silence") }
        return parts.isEmpty ? "the liveliest stretch of a quiet video" : parts.joined(separator: "; ")
    }
}
