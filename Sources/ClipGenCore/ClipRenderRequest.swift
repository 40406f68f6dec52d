/// `POST /v1/clips/{id}/renders`: the clip again with its edges moved, another output (layout,
/// caption style, enhancement, format) or corrected words in its captions. Omitted fields keep
/// the clip's: its range, and its job's whole `output`.
public struct ClipRenderRequest: Codable, Sendable, Equatable {
    public var start: MediaTime?
    public var end: MediaTime?
    public var output: OutputOptions?
    public var corrections: [WordCorrection]?

    public init(
        start: Double? = nil, end: Double? = nil, output: OutputOptions? = nil, corrections: [WordCorrection]? = nil
    ) {
        self.start = start.map(MediaTime.init(seconds:))
        self.end = end.map(MediaTime.init(seconds:))
        self.output = output
        self.corrections = corrections
    }

    /// The most corrections one render takes.
    public static let maxCorrections = 500
}

/// A word of the transcript said otherwise in a clip's captions: the word spoken at `time`
/// (source seconds, as `GET /v1/jobs/{id}/transcript` lists them) reads `text`.
public struct WordCorrection: Codable, Sendable, Equatable {
    public var time: Double
    public var text: String

    public init(time: Double, text: String) {
        self.time = time
        self.text = text
    }
}

/// Where a re-render job comes from: set by the server, never by a client.
public struct RerenderOrigin: Codable, Sendable, Equatable {
    public var clipId: ClipID
    public var jobId: JobID
    public var corrections: [WordCorrection]?

    public init(clipId: ClipID, jobId: JobID, corrections: [WordCorrection]?) {
        self.clipId = clipId
        self.jobId = jobId
        self.corrections = corrections
    }
}

extension Transcript {
    /// The transcript with each correction's word replaced; a correction between words changes
    /// the nearest one within half a second, else nothing.
    public func corrected(_ corrections: [WordCorrection]) -> Transcript {
        var copy = self
        for correction in corrections {
            let distances = copy.words.enumerated().map { index, word -> (Int, Double) in
                let gap =
                    correction.time < word.start
                    ? word.start - correction.time : correction.time >= word.end ? correction.time - word.end : 0
                return (index, gap)
            }
            guard let (index, gap) = distances.min(by: { $0.1 < $1.1 }), gap <= 0.5 else { continue }
            copy.words[index].text = correction.text
        }
        return copy
    }
}
