import Foundation

/// Where a transcript changes subject and what each stretch is about, from its words alone:
/// lexical cohesion between neighbouring windows of content words (TextTiling, Hearst 1997)
/// finds the shifts; the words a stretch repeats that the others do not name it.
public enum TranscriptTopics {
    /// Content words: bare, three letters or more, neither a function word nor a filler, a
    /// plural's `s` dropped; with the time each was said.
    static func contentWords(_ words: [Transcript.Word]) -> [(term: String, start: Double)] {
        words.compactMap { word in
            let bare = word.bare
            guard bare.count >= 3, !stopwords.contains(bare),
                bare.unicodeScalars.allSatisfy(CharacterSet.letters.contains)
            else { return nil }
            let term = bare.count > 4 && bare.hasSuffix("s") && !bare.hasSuffix("ss") ? String(bare.dropLast()) : bare
            return (term, word.start)
        }
    }

    /// The times (the start of the first word after each shift, on the transcript's clock) where
    /// the vocabulary of the `window` content words before a point differs most from that of the
    /// `window` after it: a gap whose cohesion is a clear valley (depth above the mean less half
    /// a deviation, at least `minimumDepth`, and at most half either neighbouring peak), gaps
    /// every `step` words, shifts a window apart.
    public static func shifts(in words: [Transcript.Word], window: Int = 20, step: Int = 10, minimumDepth: Double = 0.3)
        -> [Double]
    {
        let terms = contentWords(words)
        guard terms.count >= 2 * window else { return [] }
        let gaps = Array(stride(from: window, through: terms.count - window, by: step))
        let similarity = gaps.map { gap in
            cosine(counts(terms[(gap - window)..<gap].map(\.term)), counts(terms[gap..<(gap + window)].map(\.term)))
        }
        let valleys = similarity.indices.map { index in
            var left = similarity[index]
            for value in similarity[..<index].reversed() {
                guard value >= left else { break }
                left = value
            }
            var right = similarity[index]
            for value in similarity[(index + 1)...] {
                guard value >= right else { break }
                right = value
            }
            // Chance alone makes shallow valleys; a new subject shares few words with the last.
            let depth = (left - similarity[index]) + (right - similarity[index])
            return similarity[index] <= min(left, right) / 2 ? depth : 0
        }
        let depths = valleys
        let mean = depths.reduce(0, +) / Double(depths.count)
        let deviation = (depths.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(depths.count)).squareRoot()
        let cutoff = max(mean - deviation / 2, minimumDepth)
        var chosen: [Int] = []
        for index in depths.indices.sorted(by: { depths[$0] > depths[$1] }) where depths[index] >= cutoff {
            if chosen.allSatisfy({ abs(gaps[$0] - gaps[index]) >= window }) { chosen.append(index) }
        }
        return chosen.sorted().map { terms[gaps[$0]].start }
    }

    /// Up to `count` words that `stretch` repeats (twice or more) and the other stretches say
    /// least, most particular first: term frequency against how many stretches use the word.
    public static func keywords(of stretch: Int, in stretches: [[Transcript.Word]], count: Int = 3) -> [String] {
        let tallies = stretches.map { counts(contentWords($0).map(\.term)) }
        guard tallies.indices.contains(stretch) else { return [] }
        let scored = tallies[stretch].filter { $0.value >= 2 }.map { term, frequency in
            let using = tallies.filter { $0[term] != nil }.count
            return (term, Double(frequency) * log(Double(tallies.count + 1) / Double(using)))
        }
        // Ties in the order first said, so equal words give the same title every time.
        let firstSaid = Dictionary(
            contentWords(stretches[stretch]).enumerated().map { ($0.element.term, $0.offset) },
            uniquingKeysWith: { first, _ in first })
        return scored.sorted {
            $0.1 != $1.1 ? $0.1 > $1.1 : (firstSaid[$0.0] ?? 0) < (firstSaid[$1.0] ?? 0)
        }.prefix(count).map(\.0)
    }

    /// "Volcanoes, lava and magma" from the keywords.
    public static func title(_ keywords: [String]) -> String? {
        guard let first = keywords.first else { return nil }
        let words = [first.prefix(1).uppercased() + first.dropFirst()] + keywords.dropFirst()
        return words.count == 1
            ? words[0] : words.dropLast().joined(separator: ", ") + " and " + words[words.count - 1]
    }

    private static func counts(_ terms: [String]) -> [String: Int] {
        terms.reduce(into: [:]) { $0[$1, default: 0] += 1 }
    }

    private static func cosine(_ a: [String: Int], _ b: [String: Int]) -> Double {
        let dot = a.reduce(0) { $0 + Double($1.value * (b[$1.key] ?? 0)) }
        let norms =
            (a.values.reduce(0) { $0 + Double($1 * $1) }.squareRoot())
            * (b.values.reduce(0) { $0 + Double($1 * $1) })
            .squareRoot()
        return norms == 0 ? 0 : dot / norms
    }

    /// English function words and the fillers speech is full of, as `Transcript.Word.bare` spells
    /// them (no apostrophes; shorter than three letters never counts anyway): never a topic.
    static let stopwords: Set<String> = [
        "the", "and", "for", "are", "but", "not", "you", "all", "any", "can", "had", "her", "was", "one", "our", "out",
        "has", "him", "his", "how", "its", "may", "new", "now", "old", "see", "two", "who", "did", "get", "got", "let",
        "say", "she", "too", "use", "way", "yes", "yeah", "okay", "well", "like", "just", "that", "this", "with",
        "have", "from", "they", "will", "would", "there", "their", "what", "about", "which", "when", "make", "than",
        "then", "them", "these", "some", "into", "also", "been", "were", "said", "each", "other", "more", "very",
        "much", "many", "most", "only", "over", "such", "here", "where", "why", "your", "yours", "could", "should",
        "because", "really", "going", "gonna", "want", "know", "think", "thing", "things", "something", "anything",
        "everything", "right", "actually", "basically", "kind", "sort", "lot", "lots", "even", "still", "back",
        "being", "does", "doing", "done", "before", "after", "again", "same", "own", "off", "ever", "every", "both",
        "few", "those", "while", "through", "under", "until", "upon", "whom", "whose", "shall", "might", "must",
        "ours", "hers", "theirs", "myself", "yourself", "itself", "mine", "umm", "hmm", "mhm", "first", "next", "last",
        "today", "look", "come", "take", "give", "good", "great", "little", "big", "dont", "cant", "wont", "thats",
        "youre", "lets", "theres", "heres", "whats", "didnt", "isnt", "arent", "doesnt", "wasnt", "ive", "youve",
        "weve", "theyre",
    ]
}
