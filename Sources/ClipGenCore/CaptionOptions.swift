/// Words burned into a clip's pictures (`output.captions`). Every field has a default: karaoke
/// style at the bottom, 6 % of the picture's height, the spoken word in gold, at most four words
/// a line.
public struct CaptionOptions: Codable, Sendable, Equatable {
    public enum Style: String, Codable, Sendable, CaseIterable {
        /// The line on screen with the word being spoken in `highlightColor`.
        case karaoke
        /// White words with a dark outline.
        case plain
        /// White words on a dark box.
        case boxed
    }

    public enum Position: String, Codable, Sendable, CaseIterable {
        case bottom, middle, top
    }

    public var style: Style
    public var position: Position
    /// Text height as a percentage of the clip's height.
    public var fontSize: Double
    /// `#RRGGBB`.
    public var highlightColor: String
    public var uppercase: Bool
    public var maxWordsPerLine: Int

    public init(
        style: Style = .karaoke, position: Position = .bottom, fontSize: Double = 6, highlightColor: String = "#FFD400",
        uppercase: Bool = false, maxWordsPerLine: Int = 4
    ) {
        self.style = style
        self.position = position
        self.fontSize = fontSize
        self.highlightColor = highlightColor
        self.uppercase = uppercase
        self.maxWordsPerLine = maxWordsPerLine
    }

    enum CodingKeys: String, CodingKey {
        case style, position, fontSize, highlightColor, uppercase, maxWordsPerLine
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = CaptionOptions()
        style = try c.decodeIfPresent(Style.self, forKey: .style) ?? defaults.style
        position = try c.decodeIfPresent(Position.self, forKey: .position) ?? defaults.position
        fontSize = try c.decodeIfPresent(Double.self, forKey: .fontSize) ?? defaults.fontSize
        highlightColor = try c.decodeIfPresent(String.self, forKey: .highlightColor) ?? defaults.highlightColor
        uppercase = try c.decodeIfPresent(Bool.self, forKey: .uppercase) ?? defaults.uppercase
        maxWordsPerLine = try c.decodeIfPresent(Int.self, forKey: .maxWordsPerLine) ?? defaults.maxWordsPerLine
    }

    /// Red, green and blue of `highlightColor`, when it is one.
    public var highlightRGB: (red: Int, green: Int, blue: Int)? {
        let hex = highlightColor.utf8
        guard hex.count == 7, highlightColor.hasPrefix("#"), let value = Int(highlightColor.dropFirst(), radix: 16)
        else { return nil }
        return (value >> 16 & 0xFF, value >> 8 & 0xFF, value & 0xFF)
    }

    func validate() -> [FieldError] {
        var errors: [FieldError] = []
        if !(fontSize >= 2 && fontSize <= 20) {
            errors.append(
                .init(field: "output.captions.fontSize", message: "must be from 2 to 20 (percent of the clip's height)")
            )
        }
        if highlightRGB == nil {
            errors.append(.init(field: "output.captions.highlightColor", message: "must be a colour written #RRGGBB"))
        }
        if !(1...12).contains(maxWordsPerLine) {
            errors.append(.init(field: "output.captions.maxWordsPerLine", message: "must be from 1 to 12"))
        }
        return errors
    }
}

/// Silence jump cuts inside a clip (`output.removeSilences`): every pause between spoken words
/// of `minSilence` seconds or more is cut out, keeping `padding` seconds of it on each side.
public struct SilenceRemoval: Codable, Sendable, Equatable {
    public var minSilence: Double
    public var padding: Double

    public init(minSilence: Double = 0.6, padding: Double = 0.15) {
        self.minSilence = minSilence
        self.padding = padding
    }

    enum CodingKeys: String, CodingKey { case minSilence, padding }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = SilenceRemoval()
        minSilence = try c.decodeIfPresent(Double.self, forKey: .minSilence) ?? defaults.minSilence
        padding = try c.decodeIfPresent(Double.self, forKey: .padding) ?? defaults.padding
    }

    func validate() -> [FieldError] {
        var errors: [FieldError] = []
        if !(minSilence >= 0.2 && minSilence <= 10) {
            errors.append(.init(field: "output.removeSilences.minSilence", message: "must be from 0.2 to 10 seconds"))
        }
        if !(padding >= 0 && padding <= 2) {
            errors.append(.init(field: "output.removeSilences.padding", message: "must be from 0 to 2 seconds"))
        } else if padding * 2 >= minSilence {
            errors.append(
                .init(
                    field: "output.removeSilences.padding",
                    message: "must be less than half of minSilence, or nothing is left to cut"))
        }
        return errors
    }

    /// The parts of `start`–`end` (source seconds) kept: everything but the long pauses between
    /// `words`, less the padding each side. Without words nothing is cut.
    public func keptRanges(start: Double, end: Double, words: [Transcript.Word]) -> [TimeRange] {
        var kept: [TimeRange] = []
        var cursor = start
        var previousEnd = start
        for word in words.sorted(by: { $0.start < $1.start }) where word.end > start && word.start < end {
            if word.start - previousEnd >= minSilence {
                let cutStart = previousEnd == start ? start : previousEnd + padding
                let cutEnd = word.start - padding
                if cutEnd > cutStart {
                    if cutStart > cursor { kept.append(TimeRange(start: cursor, end: cutStart)) }
                    cursor = cutEnd
                }
            }
            previousEnd = max(previousEnd, word.end)
        }
        if previousEnd > start, end - previousEnd >= minSilence {
            kept.append(TimeRange(start: cursor, end: min(end, previousEnd + padding)))
        } else {
            kept.append(TimeRange(start: cursor, end: end))
        }
        return kept.filter { $0.duration > 0.001 }
    }
}

/// How a clip's picture is fitted to an aspect that crops (`output.reframe`).
public enum Reframe: String, Codable, Sendable, CaseIterable {
    /// A crop that follows the speaker's face, held still when it barely moves, cut with the
    /// shots; the whole picture over a blurred fill where no single face leads.
    case face
    /// A still crop at `cropX` (the default).
    case center
    /// The whole picture, scaled to fit, over a blurred fill of itself.
    case fit
}
