/// Part of a long source's analysis, measured on its own (by any worker): the features of its
/// frames and the blocks of its sound. `MediaAnalyzer.merge` decides on the segments together,
/// which gives the analysis one pass over the whole file gives.
public struct AnalysisSegment: Codable, Sendable, Equatable {
    public var bounds: Bounds
    /// Frames `bounds.firstFrame..<bounds.endFrame`; the first one's change is the previous
    /// segment's to give (it needs the frame before).
    public var frames: [FrameFeature]
    /// The frame at `bounds.endFrame`, measured here with the frame before it: the next segment's
    /// first frame, which must match what the next segment measured.
    public var next: FrameFeature?
    /// Blocks `bounds.firstBlock..<bounds.endBlock` of the default audio stream, none without one.
    public var blocks: [AudioBlock]
    /// The first blocks after `bounds.endBlock`, which must match the next segment's first.
    public var nextBlocks: [AudioBlock]
    /// The largest sample value between samples, linear.
    public var truePeak: Double
    /// Samples after the last whole block (the last segment's only).
    public var partialSamples: Int

    public init(
        bounds: Bounds, frames: [FrameFeature], next: FrameFeature?, blocks: [AudioBlock], nextBlocks: [AudioBlock],
        truePeak: Double, partialSamples: Int
    ) {
        self.bounds = bounds
        self.frames = frames
        self.next = next
        self.blocks = blocks
        self.nextBlocks = nextBlocks
        self.truePeak = truePeak
        self.partialSamples = partialSamples
    }

    /// Where a segment starts and ends: a keyframe, and the 100 ms audio block nearest it.
    public struct Bounds: Codable, Sendable, Equatable {
        public var index: Int
        public var firstFrame: Int
        /// The next segment's first frame; nil for the last segment, which runs to the end.
        public var endFrame: Int?
        public var firstBlock: Int
        public var endBlock: Int?

        public init(index: Int, firstFrame: Int, endFrame: Int?, firstBlock: Int, endBlock: Int?) {
            self.index = index
            self.firstFrame = firstFrame
            self.endFrame = endFrame
            self.firstBlock = firstBlock
            self.endBlock = endBlock
        }
    }
}
