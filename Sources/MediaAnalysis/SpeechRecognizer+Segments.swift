import ClipGenCore
import Foundation
import MediaEngine

/// One part of a long source's transcription: the words from `start` to `end` (the source's end
/// when nil), recognised from sound that runs `overlap` seconds past both, so a sentence on a
/// boundary is heard whole by both neighbours.
public struct SpeechSegment: Sendable, Equatable {
    public var index: Int
    public var start: Double
    public var end: Double?
    public var overlap: Double

    /// The stretch of sound this part decodes.
    public var heard: (from: Double, to: Double?) {
        (max(0, start - overlap), end.map { $0 + overlap })
    }
}

/// A long source transcribed in parts (any worker, at once), then joined: each boundary is moved
/// to the quietest point near it, a pause both neighbours heard, and each word is taken from the
/// side its middle falls on, so a word on a boundary is kept exactly once.
extension SpeechRecognizer {
    /// Sound past each end of a part; each part hears its neighbour's first or last seconds.
    static func overlap(forLength length: Double) -> Double { min(15, length / 2) }

    /// Where `media` splits into parts about `length` seconds long; nil when it is transcribed
    /// whole: no sound, or no longer than `length`. Sound needs no keyframes: any instant will do.
    public static func segments(of media: MediaInfo, length: Double) -> [SpeechSegment]? {
        guard length > 0, media.defaultAudio != nil, media.duration > length else { return nil }
        let count = Int((media.duration / length).rounded(.up))
        guard count > 1 else { return nil }
        let overlap = overlap(forLength: length)
        return (0..<count).map { i in
            SpeechSegment(
                index: i, start: media.duration * Double(i) / Double(count),
                end: i + 1 < count ? media.duration * Double(i + 1) / Double(count) : nil, overlap: overlap)
        }
    }

    /// The words one part heard, with times from the source's start.
    public func transcribe(
        _ path: String, media: MediaInfo, segment: SpeechSegment, scratch: String,
        progress: @escaping @Sendable (Double) -> Void = { _ in }
    ) async throws -> Transcript {
        let (from, to) = segment.heard
        return try await transcribe(path, media: media, from: from, to: to, scratch: scratch, progress: progress)
    }

    /// The source's transcript from every part's (in `segments`' order). Throws when the parts do
    /// not match the segments; the source is then transcribed whole.
    public static func merge(_ parts: [Transcript], segments: [SpeechSegment], media: MediaInfo) throws -> Transcript {
        guard !parts.isEmpty, parts.count == segments.count,
            segments.enumerated().allSatisfy({ $0.offset == $0.element.index })
        else { throw MediaError(.transcriptionFailed, "the parts of the transcript do not line up") }
        // Part i keeps what lies between cut i-1 and cut i.
        var cuts: [Double] = []
        for i in 1..<max(1, parts.count) {
            cuts.append(
                cut(near: segments[i].start, reach: segments[i].overlap / 2, parts[i - 1].words + parts[i].words))
        }
        var words: [Transcript.Word] = []
        var sentences: [Transcript.Segment] = []
        for (i, part) in parts.enumerated() {
            let lower = i > 0 ? cuts[i - 1] : -Double.infinity
            let upper = i < cuts.count ? cuts[i] : Double.infinity
            let inside = { (start: Double, end: Double) in (lower..<upper).contains((start + end) / 2) }
            words += part.words.filter { inside($0.start, $0.end) }
            sentences += part.segments.filter { inside($0.start, $0.end) }
        }
        return Transcript(
            language: parts[0].language, model: parts[0].model, duration: media.duration, segments: sentences,
            words: words)
    }

    /// The point within `reach` of `boundary` farthest from any word either neighbour heard: the
    /// middle of the longest pause there, or the boundary itself when nobody spoke near it.
    static func cut(near boundary: Double, reach: Double, _ words: [Transcript.Word]) -> Double {
        let window = (boundary - reach)...(boundary + reach)
        // Who spoke when, as one list of busy stretches, in order.
        var busy: [(start: Double, end: Double)] = []
        for word in words.sorted(by: { $0.start < $1.start }) {
            if let last = busy.last, word.start <= last.end {
                busy[busy.count - 1].end = max(last.end, word.end)
            } else {
                busy.append((word.start, max(word.start, word.end)))
            }
        }
        var best = (point: boundary, clearance: -1.0)
        // The pauses: before the first stretch, between stretches, after the last.
        let edges = [-Double.infinity] + busy.flatMap { [$0.start, $0.end] } + [Double.infinity]
        for pause in stride(from: 0, to: edges.count, by: 2) {
            let (from, to) = (edges[pause], edges[pause + 1])
            guard to >= window.lowerBound, from <= window.upperBound else { continue }
            // A pause open at one end is best at the boundary, unless a word is close to it.
            let middle =
                switch (from.isFinite, to.isFinite) {
                case (true, true): (from + to) / 2
                case (true, false): max(boundary, from + reach)
                case (false, true): min(boundary, to - reach)
                case (false, false): boundary
                }
            let point = min(max(middle, window.lowerBound), window.upperBound)
            let clearance = min(point - from, to - point)
            if clearance > best.clearance
                || (clearance == best.clearance && abs(point - boundary) < abs(best.point - boundary))
            {
                best = (point, clearance)
            }
        }
        return best.point
    }
}

extension Transcript {
    /// Moves every time later by `seconds`: a part's words, timed from where its sound began.
    mutating func shift(by seconds: Double) {
        for i in words.indices {
            words[i].start += seconds
            words[i].end += seconds
        }
        for i in segments.indices {
            segments[i].start += seconds
            segments[i].end += seconds
        }
    }
}
