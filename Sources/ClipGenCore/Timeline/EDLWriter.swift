/// CMX 3600: one event per kept range, cut to cut, the source named by a `FROM CLIP NAME`
/// comment (an EDL names no event otherwise, so each reads back as the source's name); markers as
/// `LOC` comments on the event they fall in. Timecodes count frames
/// non-drop at the rate's whole base (30 for 29.97), as the frames themselves are exact.
enum EDLWriter {
    static func write(_ timeline: EditTimeline) -> String {
        let rate = timeline.rate
        var lines = ["TITLE: \(plain(timeline.name, limit: 70))", "FCM: NON-DROP FRAME", ""]
        for (index, segment) in timeline.segments.enumerated() {
            let number = String(repeating: "0", count: max(0, 3 - String(index + 1).count)) + String(index + 1)
            lines.append(
                [
                    number, " ", "AX      ", " V     ", " C        ",
                    " ", rate.timecode(segment.sourceStart),
                    " ", rate.timecode(segment.sourceStart + segment.frames),
                    " ", rate.timecode(segment.recordStart),
                    " ", rate.timecode(segment.recordStart + segment.frames),
                ].joined())
            lines.append("* FROM CLIP NAME: \(plain(timeline.source.name, limit: 120))")
            for marker in timeline.markers
            where marker.frame >= segment.recordStart && marker.frame < segment.recordStart + segment.frames {
                let color = marker.kind == .shot ? "BLUE" : marker.kind == .highlight ? "GREEN" : "RED"
                // In the event's source timecode, as OpenTimelineIO's reader and writer place them.
                let source = segment.sourceStart + marker.frame - segment.recordStart
                lines.append("* LOC: \(rate.timecode(source)) \(color) \(plain(marker.name, limit: 60))")
            }
            lines.append("")
        }
        return lines.joined(separator: "\n")
    }

    /// EDL lines are plain ASCII of limited length: anything else becomes `_`.
    static func plain(_ text: String, limit: Int) -> String {
        String(
            text.unicodeScalars.prefix(limit).map {
                $0.isASCII && $0.value >= 0x20 && $0.value != 0x7F ? Character($0) : "_"
            })
    }
}
