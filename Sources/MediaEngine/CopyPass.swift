import ClipGenCore

/// All the stream-copy clips of a job and their posters in one FFmpeg run: one process start
/// instead of one per clip and one per poster, each clip an input of its own seeked to its
/// keyframe and copied exactly as `CutPlan.ffmpegArguments` copies it alone, each poster one
/// keyframe decoded (`PosterFrame`).
public struct CopyPass: Sendable {
    public struct Item: Sendable {
        /// A keyframe-mode plan: the clip's range and output.
        public var plan: CutPlan
        /// The poster's frame in the source, and the JPEG it goes to; nil for none.
        public var poster: PosterFrame?
        public var posterOutput: String?

        public init(plan: CutPlan, poster: PosterFrame? = nil, posterOutput: String? = nil) {
            self.plan = plan
            self.poster = poster
            self.posterOutput = posterOutput
        }
    }

    public var items: [Item]

    public init(items: [Item]) {
        self.items = items
    }

    /// Every clip's input, then every poster's, then the outputs that read them by number.
    public func ffmpegArguments() -> [String] {
        var inputs: [String] = []
        var outputs: [String] = []
        var count = 0
        for item in items {
            inputs += item.plan.copyInputArguments
            outputs += item.plan.copyOutputArguments(input: count)
            count += 1
        }
        for item in items {
            guard let poster = item.poster, let jpeg = item.posterOutput else { continue }
            inputs += poster.inputArguments(item.plan.input, hostile: true)
            outputs += PosterFrame.outputArguments(input: count, to: jpeg)
            count += 1
        }
        return ["-hide_banner", "-nostdin", "-y", "-v", "error", "-progress", "pipe:1", "-nostats"] + inputs + outputs
    }

    /// Every file the run writes.
    public var outputs: [String] { items.flatMap { [$0.plan.output] + ($0.posterOutput.map { [$0] } ?? []) } }
}
