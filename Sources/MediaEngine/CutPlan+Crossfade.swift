import ClipGenCore

/// Joined ranges faded into one another: one decode split into a branch per range, each trimmed
/// and re-timed as the plain join is, then `xfade` (picture) and `acrossfade` (sound) at each
/// join. The clip is `seconds` shorter per join; `ClipTimeline.overlap` maps its clock.
extension CutPlan {
    /// The kept ranges and the crossfade between them, when the clip has one.
    var crossfaded: (ranges: [TimeRange], seconds: Double)? {
        guard let crossfade, crossfade > 0, let keptRanges, keptRanges.count >= 2 else { return nil }
        return (keptRanges, crossfade)
    }

    /// One element of the picture's chain: its input is the decoded source, its output the joined clip.
    func crossfadeVideo(_ ranges: [TimeRange], seconds: Double) -> String {
        let rate = Self.number(sourceFPS ?? 30)
        let trims = ranges.enumerated().map { index, range in
            "[xfs\(index)]trim=start=\(Self.number(range.start - seekTime)):end=\(Self.number(range.end - seekTime)),"
                + "setpts=N/(\(rate))/TB[xfp\(index)]"
        }
        return joins(ranges, seconds: seconds, split: "split", trims: trims, prefix: "xf") { offset in
            "xfade=transition=fade:duration=\(Self.number(seconds)):offset=\(Self.number(offset))"
        }
    }

    /// The same for the sound.
    func crossfadeAudio(_ ranges: [TimeRange], seconds: Double) -> String {
        let trims = ranges.enumerated().map { index, range in
            "[xas\(index)]atrim=start=\(Self.number(range.start - seekTime)):end=\(Self.number(range.end - seekTime)),"
                + "asetpts=PTS-STARTPTS[xap\(index)]"
        }
        return joins(ranges, seconds: seconds, split: "asplit", trims: trims, prefix: "xa") { _ in
            "acrossfade=d=\(Self.number(seconds))"
        }
    }

    /// `split` into a labelled branch per range (`<prefix>s<i>`), the trims (each ending in
    /// `<prefix>p<i>`), then each join's filter over the joined-so-far and the next range; the
    /// last join's output is left unlabelled, for the chain to go on from.
    private func joins(
        _ ranges: [TimeRange], seconds: Double, split: String, trims: [String], prefix: String,
        join: (_ offset: Double) -> String
    ) -> String {
        var graph = ["\(split)=\(ranges.count)" + ranges.indices.map { "[\(prefix)s\($0)]" }.joined()] + trims
        var joined = "\(prefix)p0"
        var length = ranges[0].duration
        for index in 1..<ranges.count {
            let output = index == ranges.count - 1 ? "" : "[\(prefix)o\(index)]"
            graph.append("[\(joined)][\(prefix)p\(index)]\(join(length - seconds))\(output)")
            joined = "\(prefix)o\(index)"
            length += ranges[index].duration - seconds
        }
        return graph.joined(separator: ";")
    }
}
