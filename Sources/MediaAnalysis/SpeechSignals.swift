import ClipGenCore
import Foundation

/// What is said, per analysis step, for the highlight picker: questions and exclamations, the
/// video's own keywords, how fast the words come, and (for a query) where its words are said.
/// Prefix sums, like the picker's other signals.
struct SpeechSignals {
    var step: Double
    /// 0–1 per step: how much is being said that is worth hearing.
    var interestPrefix: [Double]
    var questionPrefix: [Double]
    var exclamationPrefix: [Double]
    var keywordPrefix: [Double]
    var wordPrefix: [Double]
    /// Words of the query said, per step; nil without a query.
    var queryPrefix: [Double]?
    /// The most frequent words that carry meaning, said at least twice.
    var keywords: [String]
    var queryWords: [String]
    /// Words a second over the steps with speech.
    var typicalPace: Double

    init(transcript: Transcript, query: String?, step: Double, steps: Int) {
        self.step = step
        func index(_ time: Double) -> Int? {
            let i = Int(time / step)
            return i >= 0 && i < steps ? i : nil
        }
        var counts: [String: Int] = [:]
        for word in transcript.words {
            let bare = word.bare
            if bare.count > 3, !Self.stopWords.contains(bare) { counts[bare, default: 0] += 1 }
        }
        keywords = counts.filter { $0.value >= 2 }.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(8).map(
            \.key)
        queryWords = (query ?? "").lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
            .filter { !Self.stopWords.contains($0) }
        var questions = [Double](repeating: 0, count: steps)
        var exclamations = questions
        var keywordHits = questions
        var words = questions
        var queryHits = questions
        let keywordSet = Set(keywords)
        for word in transcript.words {
            guard let i = index((word.start + word.end) / 2) else { continue }
            words[i] += 1
            if word.text.hasSuffix("?") { questions[i] += 1 }
            if word.text.hasSuffix("!") { exclamations[i] += 1 }
            let bare = word.bare
            if keywordSet.contains(bare) { keywordHits[i] += 1 }
            if queryWords.contains(where: { Self.matches(bare, $0) }) { queryHits[i] += 1 }
        }
        let paces = words.filter { $0 > 0 }.map { $0 / step }.sorted()
        typicalPace = paces.isEmpty ? 0 : paces[paces.count / 2]
        let pace = typicalPace
        // A question or exclamation lights up the second or so around it, not only its last word's step.
        let reach = max(1, Int((2 / step).rounded()))
        let interest = (0..<steps).map { i -> Double in
            let near = max(0, i - reach)...min(steps - 1, i + reach)
            let asked = near.contains { questions[$0] + exclamations[$0] > 0 } ? 1.0 : 0
            let fast = pace > 0 ? min(1, words[i] / step / (1.5 * pace)) : 0
            return min(1, 0.35 * asked + 0.35 * min(1, keywordHits[i] / 2) + 0.3 * fast)
        }
        func prefix(_ values: [Double]) -> [Double] {
            var sums = [0.0]
            for value in values { sums.append(sums.last! + value) }
            return sums
        }
        interestPrefix = prefix(interest)
        questionPrefix = prefix(questions)
        exclamationPrefix = prefix(exclamations)
        keywordPrefix = prefix(keywordHits)
        wordPrefix = prefix(words)
        queryPrefix = queryWords.isEmpty ? nil : prefix(queryHits)
    }

    func sum(_ prefix: [Double], _ start: Int, _ length: Int) -> Double { prefix[start + length] - prefix[start] }

    func interest(_ start: Int, _ length: Int) -> Double { sum(interestPrefix, start, length) / Double(length) }

    /// 0–1: how densely the query's words are said; one mention every 10 s saturates.
    func queryDensity(_ start: Int, _ length: Int) -> Double {
        guard let queryPrefix else { return 0 }
        return min(1, sum(queryPrefix, start, length) / max(1, Double(length) * step / 10))
    }

    func queryHits(_ start: Int, _ length: Int) -> Int { queryPrefix.map { Int(sum($0, start, length)) } ?? 0 }

    func reason(_ start: Int, _ length: Int) -> [String] {
        var parts: [String] = []
        if !queryWords.isEmpty {
            let hits = queryHits(start, length)
            parts.append("says “\(queryWords.joined(separator: " "))” \(hits == 1 ? "once" : "\(hits) times")")
        }
        let questions = Int(sum(questionPrefix, start, length))
        let exclamations = Int(sum(exclamationPrefix, start, length))
        if questions > 0 { parts.append(questions == 1 ? "asks a question" : "asks \(questions) questions") }
        if exclamations > 0 { parts.append(exclamations == 1 ? "an exclamation" : "\(exclamations) exclamations") }
        if sum(keywordPrefix, start, length) >= 2 {
            parts.append("keywords of the video (\(keywords.prefix(3).joined(separator: ", ")))")
        }
        let pace = sum(wordPrefix, start, length) / (Double(length) * step)
        if typicalPace > 0, pace > 1.2 * typicalPace {
            parts.append(String(format: "fast speech (%.1f words/s)", pace))
        }
        return parts
    }

    /// A word matches a query word when one begins the other and they share at least four
    /// letters ("prices" finds "pricing" no; "price" finds "prices"), or they are equal.
    static func matches(_ word: String, _ query: String) -> Bool {
        word == query || (min(word.count, query.count) >= 4 && (word.hasPrefix(query) || query.hasPrefix(word)))
    }

    static let stopWords: Set<String> = [
        "the", "and", "that", "this", "with", "have", "will", "what", "when", "where", "which", "there", "their",
        "they", "them",
        "then", "than", "from", "your", "yours", "about", "would", "could", "should", "been", "were", "into", "just",
        "like",
        "some", "more", "very", "also", "only", "over", "such", "here", "these", "those", "because", "really", "know",
        "think",
        "going", "want", "did", "does", "for", "you", "are", "was", "but", "not", "all", "any", "can", "had", "her",
        "his",
        "our", "out", "who", "why", "how", "its", "let", "she", "him", "has", "get", "got", "a", "an", "to", "of", "in",
        "on",
        "it", "is", "be", "we", "i", "so", "at", "as", "or", "if", "by", "me", "my", "no", "do", "up", "us",
    ]
}
