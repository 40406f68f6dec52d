import ClipGenCore

/// Captions as an Advanced SubStation Alpha file for libass (FFmpeg's `ass` filter): one event a
/// line (plain, boxed), or one a word in karaoke style, the line on screen with the spoken word
/// coloured. Positions and sizes are in the clip's own pixels, so the words stay inside the frame
/// whatever was cropped.
public struct ASSDocument: Sendable, Equatable {
    public var text: String

    /// The face captions are set in unless a brand kit gives one; installed with FFmpeg's libass.
    public static let defaultFont = "DejaVu Sans"

    public init(track: CaptionTrack, options: CaptionOptions, width: Int, height: Int, font: String = defaultFont) {
        let fontSize = max(8, Int((Double(height) * options.fontSize / 100).rounded()))
        let alignment =
            switch options.position {
            case .bottom: 2
            case .middle: 5
            case .top: 8
            }
        let marginV = options.position == .middle ? 0 : Int(Double(height) * 0.08)
        let marginH = max(4, Int(Double(width) * 0.06))
        let boxed = options.style == .boxed
        // &HAABBGGRR: white words; a black outline, or a half-transparent black box.
        let outlineColour = boxed ? "&H60000000" : "&H00000000"
        let outline = boxed ? max(2, fontSize / 5) : max(2, fontSize / 14)
        var lines = [
            "[Script Info]", "ScriptType: v4.00+", "PlayResX: \(width)", "PlayResY: \(height)", "WrapStyle: 0",
            "ScaledBorderAndShadow: yes", "",
            "[V4+ Styles]",
            "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, "
                + "Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, "
                + "Alignment, MarginL, MarginR, MarginV, Encoding",
            "Style: Caption,\(font),\(fontSize),&H00FFFFFF,&H00FFFFFF,\(outlineColour),&H80000000,"
                + "1,0,0,0,100,100,0,0,\(boxed ? 3 : 1),\(outline),0,\(alignment),\(marginH),\(marginH),\(marginV),1",
            "",
            "[Events]",
            "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
        ]
        let highlight =
            options.highlightRGB.map { "&H00\(Self.hex($0.blue))\(Self.hex($0.green))\(Self.hex($0.red))&" }
            ?? "&H0000D4FF&"
        for line in track.lines {
            let words = line.words.map { Self.escape($0.text) }
            guard options.style == .karaoke else {
                lines.append(Self.event(line.start, line.end, words.joined(separator: " ")))
                continue
            }
            for (index, word) in line.words.enumerated() {
                let start = index == 0 ? line.start : word.start
                let end = index + 1 < line.words.count ? line.words[index + 1].start : line.end
                guard end > start else { continue }
                var shown = words
                shown[index] = "{\\c\(highlight)}\(words[index]){\\c&H00FFFFFF&}"
                lines.append(Self.event(start, end, shown.joined(separator: " ")))
            }
        }
        text = lines.joined(separator: "\n") + "\n"
    }

    static func event(_ start: Double, _ end: Double, _ text: String) -> String {
        "Dialogue: 0,\(time(start)),\(time(end)),Caption,,0,0,0,,\(text)"
    }

    /// `H:MM:SS.cc`, centiseconds as ASS counts them.
    static func time(_ seconds: Double) -> String {
        let cs = Int((max(0, seconds) * 100).rounded())
        let h = cs / 360_000
        let m = cs / 6000 % 60
        let s = cs / 100 % 60
        let c = cs % 100
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(h):\(two(m)):\(two(s)).\(two(c))"
    }

    /// Braces open override tags and a backslash starts an escape in ASS text: neither may come from a transcript.
    static func escape(_ text: String) -> String {
        String(
            text.map { c -> Character in
                switch c {
                case "{": "("
                case "}": ")"
                case "\\": "/"
                case "\n", "\r": " "
                default: c
                }
            })
    }

    static func hex(_ value: Int) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[(value >> 4) & 0xF], digits[value & 0xF]])
    }
}
