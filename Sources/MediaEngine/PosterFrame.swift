import ClipGenCore

/// Which frame of a file becomes a poster, and how FFmpeg reaches it. By default the keyframe
/// nearest the chosen instant: reaching it decodes that one picture (`-skip_frame nokey`, a
/// seek that stops on the keyframe), where the exact frame costs a decode of the group of
/// pictures up to it.
public struct PosterFrame: Sendable, Equatable {
    /// Seconds into the file.
    public var time: Double
    /// Whether `time` is a keyframe's, reached by decoding keyframes only.
    public var isKeyframe: Bool

    /// A third of the way into `part` (a stretch of the file, in its seconds), at least 0.1 s
    /// before its end, moved to the nearest of `keyframes` that lies in the part past its first
    /// tenth and past `fadeIn`; the exact frame when `exact`, or when no keyframe qualifies.
    public static func choose(in part: ClosedRange<Double>, keyframes: [Double]?, exact: Bool, fadeIn: Double = 0)
        -> PosterFrame
    {
        let length = part.upperBound - part.lowerBound
        let instant = max(0, part.lowerBound + min(length * 0.33, length - 0.1))
        guard !exact, let keyframes else { return PosterFrame(time: instant, isKeyframe: false) }
        let earliest = part.lowerBound + max(length * 0.1, fadeIn)
        let nearest = keyframes.filter { $0 >= earliest && $0 <= part.upperBound - 0.1 }
            .min { abs($0 - instant) < abs($1 - instant) }
        return nearest.map { PosterFrame(time: $0, isKeyframe: true) } ?? PosterFrame(time: instant, isKeyframe: false)
    }

    /// Input options that read and decode keyframes only: the demuxer skips the other pictures'
    /// bytes, the decoder any that reach it (posters and the storyboard).
    static let keyframesOnly = ["-discard", "nokey", "-skip_frame", "nokey"]

    /// The options before `-i` and the input: a keyframe is sought a millisecond past its time,
    /// so the seek lands on it and not on the one before, and the first decoded picture is it.
    /// A user's file (`hostile`) is opened under `InputPolicy`; a clip ClipGen wrote (a GIF too) is not.
    /// The input is read for a second at most: in a run with other outputs (`CopyPass`) FFmpeg
    /// would otherwise go on decoding it to the end after the poster is written.
    public func inputArguments(_ file: String, hostile: Bool) -> [String] {
        let input = hostile ? InputPolicy.input(file) : ["-i", file]
        if isKeyframe {
            return Self.keyframesOnly + ["-noaccurate_seek", "-ss", CutPlan.seconds(time + 0.001), "-t", "1"] + input
        }
        return ["-ss", CutPlan.seconds(time), "-t", "1"] + input
    }

    /// One JPEG of input `input`'s first video stream, at most 360 px high.
    public static func outputArguments(input: Int, to jpeg: String) -> [String] {
        [
            "-map", "\(input):v:0", "-frames:v", "1", "-vf", "scale=-2:'min(360,trunc(ih/2)*2)'", "-q:v", "4",
            "-f", "mjpeg", jpeg,
        ]
    }
}
