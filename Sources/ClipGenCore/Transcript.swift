import Foundation

/// What was said in a source, word by word: the body of `GET /v1/jobs/{id}/transcript` and of
/// `clipgen transcribe --json`. Made once per upload and kept beside it. Times are seconds from
/// the source's start.
public struct Transcript: Codable, Sendable, Equatable {
    public struct Word: Codable, Sendable, Equatable {
        public var start: Double
        public var end: Double
        /// As recognised, with its punctuation ("pricing," "doubled!").
        public var text: String
        /// 0–1: how sure the recogniser was.
        public var probability: Double
        public init(start: Double, end: Double, text: String, probability: Double = 1) {
            self.start = start
            self.end = end
            self.text = text
            self.probability = probability
        }
    }

    public struct Segment: Codable, Sendable, Equatable {
        public var start: Double
        public var end: Double
        public var text: String
        public init(start: Double, end: Double, text: String) {
            self.start = start
            self.end = end
            self.text = text
        }
    }

    public var language: String
    /// The recogniser and its weights.
    public var model: String
    public var duration: Double
    public var segments: [Segment]
    public var words: [Word]

    public init(language: String = "en", model: String, duration: Double, segments: [Segment] = [], words: [Word]) {
        self.language = language
        self.model = model
        self.duration = duration
        self.segments = segments
        self.words = words
    }

    /// The blob it is kept in, beside its upload's file.
    public static func blobKey(for upload: UploadID) throws -> BlobKey {
        try BlobKey("transcripts/\(upload.rawValue).json")
    }

    /// Sentences: runs of words ending in `.`, `?` or `!`, or before a pause of a second or more.
    public var sentences: [TimeRange] {
        var sentences: [TimeRange] = []
        var start: Double?
        for (index, word) in words.enumerated() {
            let from = start ?? word.start
            let next = words.indices.contains(index + 1) ? words[index + 1] : nil
            if word.endsSentence || next.map({ $0.start - word.end >= 1 }) ?? true {
                sentences.append(TimeRange(start: from, end: word.end))
                start = nil
            } else {
                start = from
            }
        }
        return sentences
    }

    /// The words spoken between `start` and `end` (those that overlap it by more than half).
    public func words(from start: Double, to end: Double) -> [Word] {
        words.filter { word in
            let overlap = min(word.end, end) - max(word.start, start)
            return overlap > (word.end - word.start) / 2
                || (word.end - word.start <= 0 && word.start >= start && word.start < end)
        }
    }

    /// The word `time` falls strictly inside, if any. Words come in order and do not overlap,
    /// so it is the last one starting before `time`: found by halving, as highlight snapping
    /// asks for every candidate edge of a long source.
    public func word(containing time: Double) -> Word? {
        var (low, high) = (0, words.count)
        while low < high {
            let middle = (low + high) / 2
            if words[middle].start < time { low = middle + 1 } else { high = middle }
        }
        guard low > 0, time < words[low - 1].end else { return nil }
        return words[low - 1]
    }
}

extension Transcript.Word {
    public var endsSentence: Bool { text.last.map { ".?!".contains($0) } ?? false }
    /// Lowercased letters and digits only: what a search compares.
    public var bare: String { Self.bare(text) }

    /// `text` as `bare` compares it: "Um," is "um".
    public static func bare(_ text: String) -> String {
        String(text.lowercased().unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) }.map(Character.init))
    }
}
