import Foundation

/// Filler words ("um", "uh") cut out of each clip by their times in the transcript; the pause
/// around one goes with it up to `padding`, never into the words beside it.
public struct FillerRemoval: Codable, Sendable, Equatable {
    public static let defaultWords = ["um", "uh", "erm", "er", "ah", "hmm", "mm"]

    /// Compared as `Transcript.Word.bare`: without case or punctuation ("Um," is "um").
    public var words: [String]
    /// Seconds of the silence either side of a filler cut with it.
    public var padding: Double

    public init(words: [String] = FillerRemoval.defaultWords, padding: Double = 0.05) {
        self.words = words
        self.padding = padding
    }

    enum CodingKeys: String, CodingKey { case words, padding }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        words = try c.decodeIfPresent([String].self, forKey: .words) ?? Self.defaultWords
        padding = try c.decodeIfPresent(Double.self, forKey: .padding) ?? 0.05
    }

    func validate() -> [FieldError] {
        var errors: [FieldError] = []
        if !(1...100).contains(words.count)
            || words.contains(where: { Transcript.Word.bare($0).isEmpty || $0.count > 40 })
        {
            errors.append(
                .init(field: "output.removeFillers.words", message: "1 to 100 words of at most 40 characters"))
        }
        if !(padding >= 0 && padding <= 1) {
            errors.append(.init(field: "output.removeFillers.padding", message: "must be from 0 to 1 second"))
        }
        return errors
    }

    /// `kept` (source ranges, in order) less every filler among `words` and up to `padding` of
    /// silence either side of it; a stretch left shorter than `shortest` goes too.
    public func cut(_ kept: [TimeRange], words transcript: [Transcript.Word], shortest: Double = 0.04) -> [TimeRange] {
        let fillers = Set(words.map(Transcript.Word.bare))
        let sorted = transcript.sorted { $0.start < $1.start }
        var cuts: [TimeRange] = []
        for (index, word) in sorted.enumerated() where fillers.contains(word.bare) {
            let before = index > 0 ? sorted[index - 1].end : -Double.infinity
            let after = index + 1 < sorted.count ? sorted[index + 1].start : Double.infinity
            let cut = TimeRange(
                start: max(word.start - padding, min(before, word.start)),
                end: min(word.end + padding, max(after, word.end)))
            if let last = cuts.last, cut.start <= last.end {
                cuts[cuts.count - 1].end = max(last.end, cut.end)
            } else {
                cuts.append(cut)
            }
        }
        var result: [TimeRange] = []
        for range in kept {
            var cursor = range.start
            for cut in cuts where cut.end > cursor && cut.start < range.end {
                if cut.start > cursor { result.append(TimeRange(start: cursor, end: cut.start)) }
                cursor = max(cursor, cut.end)
            }
            if range.end > cursor { result.append(TimeRange(start: cursor, end: range.end)) }
        }
        return result.filter { $0.duration >= shortest }
    }
}
