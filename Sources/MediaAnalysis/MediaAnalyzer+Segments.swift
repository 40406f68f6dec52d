import ClipGenCore
import Foundation
import MediaEngine

/// A long source analysed in segments: each one measured on its own (any worker, at once), then
/// decided on together. Segments start at keyframes, where a decoder gives the same pictures as a
/// decode from the start, and a segment measures a few frames and blocks past its end, so the
/// merge can check that neighbours line up and a cut on a boundary is judged once, with the
/// frames on both sides: the merged analysis is the one a single pass gives.
extension MediaAnalyzer {
    /// Blocks past a segment's end that it measures for the merge to compare.
    static let overlapBlocks = 3
    /// Blocks decoded before a segment's first only to settle the loudness filters.
    static let warmUpBlocks = 10

    /// Where `media` splits into segments about `length` seconds long, at keyframes; nil when it
    /// is analysed whole: no longer than `length`, a frame rate not proven constant (frames would
    /// not be where their number says), or no keyframes to split at.
    public static func segments(of media: MediaInfo, length: Double) -> [AnalysisSegment.Bounds]? {
        guard length > 0, media.duration > length, let video = media.video, video.constantFrameRate,
            let fps = video.fps, fps > 0
        else { return nil }
        let count = Int((media.duration / length).rounded(.up))
        var firsts = [0]
        for i in 1..<count {
            let target = media.duration * Double(i) / Double(count)
            guard let keyframe = media.keyframeTimes.first(where: { $0 >= target - 1e-6 }),
                keyframe < media.duration - 1
            else { break }
            let frame = Int((keyframe * fps).rounded())
            if frame > firsts[firsts.count - 1] + Int(fps.rounded(.up)) { firsts.append(frame) }
        }
        guard firsts.count > 1 else { return nil }
        func block(_ frame: Int) -> Int { Int((Double(frame) / fps * 10).rounded()) }
        return firsts.indices.map { i in
            let end = i + 1 < firsts.count ? firsts[i + 1] : nil
            return AnalysisSegment.Bounds(
                index: i, firstFrame: firsts[i], endFrame: end, firstBlock: block(firsts[i]), endBlock: end.map(block))
        }
    }

    /// Measures one segment of `path`; `progress` gets fractions of its frames from 0 to 1.
    public func measure(
        _ path: String, media: MediaInfo, segment bounds: AnalysisSegment.Bounds,
        progress: @escaping @Sendable (Double) -> Void = { _ in }
    ) async throws -> AnalysisSegment {
        guard let fps = media.video?.fps else {
            throw MediaError(.noVideoStream, "the file has no video stream to analyse")
        }
        let expected =
            Double(bounds.endFrame ?? max(bounds.firstFrame + 1, Int(media.duration * fps))) - Double(bounds.firstFrame)
        async let pictures = measureFrames(path, media: media, bounds: bounds) { frames in
            progress(min(1, Double(frames) / max(1, expected)))
        }
        async let sound = measureBlocks(path, stream: media.defaultAudio, bounds: bounds)
        let ((frames, next), audio) = try await (pictures, sound)
        progress(1)
        return AnalysisSegment(
            bounds: bounds, frames: frames, next: next, blocks: audio.blocks, nextBlocks: audio.next,
            truePeak: audio.truePeak, partialSamples: audio.partial)
    }

    private func measureFrames(
        _ path: String, media: MediaInfo, bounds: AnalysisSegment.Bounds, decoded: @escaping @Sendable (Int) -> Void
    ) async throws -> ([FrameFeature], FrameFeature?) {
        let (width, height) = frameSize(for: media)
        let measurer = FrameMeasurer(width: width, height: height, firstFrame: bounds.firstFrame)
        // The frames after the end that tell whether a change at the end is a cut or a flash.
        let frames = bounds.endFrame.map { $0 - bounds.firstFrame + measurer.settings.flashFrames + 1 }
        var features: [FrameFeature] = []
        var next: FrameFeature?
        func keep(_ feature: FrameFeature, _ n: Int) {
            if let end = bounds.endFrame, n >= end {
                if n == end { next = feature }
            } else {
                features.append(feature)
            }
        }
        var count = 0
        try await readFrames(
            videoArguments(path, media: media, width: width, height: height, from: bounds.firstFrame, frames: frames),
            frameBytes: measurer.frameBytes
        ) { frame in
            measurer.consume(frame, emit: keep)
            count += 1
            if count % 30 == 0 { decoded(count) }
        }
        measurer.finish(emit: keep)
        return (features, next)
    }

    private struct MeasuredSound {
        var blocks: [AudioBlock] = []
        var next: [AudioBlock] = []
        var truePeak = 0.0
        var partial = 0
    }

    private func measureBlocks(_ path: String, stream: MediaInfo.AudioStream?, bounds: AnalysisSegment.Bounds)
        async throws -> MeasuredSound
    {
        guard let stream else { return MeasuredSound() }
        let channels = stream.channels == 1 ? 1 : 2
        let lead = min(Self.warmUpBlocks, bounds.firstBlock)
        var measurer = BlockMeasurer(channels: channels, warmUp: lead * LoudnessAnalyzer.blockSamples)
        let start = Double(bounds.firstBlock - lead) / 10
        let duration = bounds.endBlock.map { Double($0 + Self.overlapBlocks + 1 - (bounds.firstBlock - lead)) / 10 }
        var sound = MeasuredSound()
        var index = bounds.firstBlock
        func keep(_ block: AudioBlock) {
            defer { index += 1 }
            guard let end = bounds.endBlock, index >= end else { return sound.blocks.append(block) }
            if index < end + Self.overlapBlocks { sound.next.append(block) }
        }
        try await readSamples(
            audioArguments(
                path, map: "0:\(stream.index)", channels: channels, from: start > 0 ? start : nil, duration: duration),
            channels: channels
        ) { measurer.consume($0, emit: keep) }
        sound.truePeak = measurer.truePeak
        sound.partial = bounds.endBlock == nil ? measurer.blockFill : 0
        return sound
    }

    /// The analysis of the whole source from all its segments, as `analyze` gives it. Throws when
    /// the segments do not line up (a decoder that does not restart cleanly at a keyframe, a
    /// segment missing); the source is then analysed whole.
    public static func merge(
        _ segments: [AnalysisSegment], media: MediaInfo, highlights: JobRequest.Highlights? = nil,
        transcript: Transcript? = nil
    ) throws -> Analysis {
        try merge(segments, media: media, highlights: highlights, transcript: transcript, toEnd: true)
    }

    /// The analysis of the source's start that the first segments cover (from segment 0 on, with
    /// none missing), as if the source ended where the last of them does: preliminary highlights
    /// while the other segments are measured. A cut or fade on that last edge is not seen yet.
    public static func mergeStart(
        _ segments: [AnalysisSegment], media: MediaInfo, highlights: JobRequest.Highlights?,
        transcript: Transcript? = nil
    ) throws -> Analysis {
        try merge(segments, media: media, highlights: highlights, transcript: transcript, toEnd: false)
    }

    private static func merge(
        _ segments: [AnalysisSegment], media whole: MediaInfo, highlights: JobRequest.Highlights?,
        transcript: Transcript?, toEnd: Bool
    ) throws -> Analysis {
        let ordered = segments.sorted { $0.bounds.index < $1.bounds.index }
        let misaligned = MediaError(.analysisFailed, "the segments of the analysis do not line up")
        guard let fps = whole.video?.fps, let first = ordered.first, let last = ordered.last,
            first.bounds.firstFrame == 0, first.bounds.firstBlock == 0, (last.bounds.endFrame == nil) == toEnd
        else { throw misaligned }
        var media = whole
        if let end = last.bounds.endFrame { media.duration = Double(end) / fps }
        let step = step(forDuration: whole.duration)
        let pictures = VideoAnalyzer(fps: fps, step: step)
        let sound = media.defaultAudio.map { LoudnessAnalyzer(channels: $0.channels == 1 ? 1 : 2, step: step) }
        var previous: AnalysisSegment?
        for segment in ordered {
            var frames = segment.frames
            if let previous {
                // The previous segment measured this one's first frame and first blocks too.
                guard previous.bounds.endFrame == segment.bounds.firstFrame,
                    previous.bounds.endBlock == segment.bounds.firstBlock,
                    previous.frames.count == segment.bounds.firstFrame - previous.bounds.firstFrame,
                    let next = previous.next, let mine = frames.first,
                    (next.mean, next.dark, next.sharpness) == (mine.mean, mine.dark, mine.sharpness),
                    previous.nextBlocks.map(\.raw) == segment.blocks.prefix(previous.nextBlocks.count).map(\.raw)
                else { throw misaligned }
                frames[0] = next
            }
            for (offset, feature) in frames.enumerated() {
                pictures.consume(feature, at: segment.bounds.firstFrame + offset)
            }
            for block in segment.blocks { sound?.consume(block) }
            previous = segment
        }
        let audio = sound?.finish(
            truePeak: ordered.map(\.truePeak).max() ?? 0, partialSamples: last.partialSamples)
        return assemble(
            media: media, step: step, video: pictures.finish(), audio: audio, highlights: highlights,
            transcript: transcript)
    }
}
