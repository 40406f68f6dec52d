import ClipGenCore
import Foundation
import MediaEngine
import TestSupport
import Testing

@testable import MediaAnalysis

/// A source analysed in segments, measured apart and merged, gives the analysis of one pass:
/// `analysis.mp4` (scripts/make-test-media.sh) has keyframes every 2 s, so segments of about 2, 4
/// and 7 s put boundaries on its cuts (4 and 24 s), its flash (2 s), a silence's start (8 s), the
/// black (20 s), inside the pan (12 s) and the frozen stretch (16 s).
@Suite struct AnalysisSegmentTests {
    static let highlights = JobRequest.Highlights(count: 3, minDuration: 3, maxDuration: 8)

    func source() async throws -> (String, MediaInfo) {
        let path = try await TestMedia.shared.path("analysis.mp4")
        return (path, try await Prober().probe(path))
    }

    func measureAll(_ path: String, _ media: MediaInfo, length: Double) async throws -> [AnalysisSegment] {
        let bounds = try #require(MediaAnalyzer.segments(of: media, length: length))
        return try await withThrowingTaskGroup(of: AnalysisSegment.self) { group in
            for segment in bounds {
                group.addTask { try await MediaAnalyzer().measure(path, media: media, segment: segment) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    @Test(arguments: [2.0, 4.0, 7.0])
    func segmentsMergeIntoTheAnalysisOfOnePass(length: Double) async throws {
        let (path, media) = try await source()
        let whole = try await MediaAnalyzer().analyze(path, media: media, highlights: Self.highlights)
        let segments = try await measureAll(path, media, length: length)
        #expect(segments.count > 3, "\(segments.map(\.bounds))")
        let merged = try MediaAnalyzer.merge(segments.shuffled(), media: media, highlights: Self.highlights)

        #expect(merged.cuts == whole.cuts)
        #expect(merged.cuts.map(\.frame) == AnalysisGroundTruthTests.cutFrames)
        #expect(merged.fades == whole.fades && merged.black == whole.black && merged.frozen == whole.frozen)
        #expect(merged.blurry == whole.blurry && merged.scenes == whole.scenes)
        #expect(merged.sharpness == whole.sharpness && merged.motion == whole.motion)
        #expect(merged.silences == whole.silences && merged.silences.count == 2, "\(merged.silences)")
        #expect(merged.highlights == whole.highlights && merged.highlights.count == 3)
        // The loudness filters restart at each segment (settled by a second decoded before it):
        // the figures may differ in their last bits, never by a tenth.
        let a = try #require(merged.loudness)
        let b = try #require(whole.loudness)
        for (x, y) in [(a.integratedLUFS, b.integratedLUFS), (a.rangeLU, b.rangeLU), (a.truePeakDBTP, b.truePeakDBTP)] {
            #expect(abs(try #require(x) - (try #require(y))) <= 0.1 + 1e-9)
        }
        #expect(a.curve.count == b.curve.count)
        for (p, q) in zip(a.curve, b.curve) {
            #expect(p.time == q.time && abs(p.momentaryLUFS - q.momentaryLUFS) <= 0.1 + 1e-9)
        }
    }

    @Test func segmentsThatDoNotLineUpAreRefused() async throws {
        let (path, media) = try await source()
        var segments = try await measureAll(path, media, length: 7).sorted { $0.bounds.index < $1.bounds.index }
        #expect(throws: MediaError.self) { try MediaAnalyzer.merge(Array(segments.dropLast()), media: media) }
        #expect(throws: MediaError.self) {
            try MediaAnalyzer.merge(segments.enumerated().filter { $0.offset != 1 }.map(\.element), media: media)
        }
        // A decoder that did not restart cleanly at the keyframe: the first frame differs.
        var shifted = segments
        shifted[2].frames[0].mean += 1
        #expect(throws: MediaError.self) { try MediaAnalyzer.merge(shifted, media: media) }
        // Sound that starts a block late.
        segments[1].blocks.removeFirst()
        #expect(throws: MediaError.self) { try MediaAnalyzer.merge(segments, media: media) }
    }

    @Test func theFirstSegmentsGiveHighlightsOfTheStartWhileTheRestAreMeasured() async throws {
        let (path, media) = try await source()
        let whole = try await MediaAnalyzer().analyze(path, media: media, highlights: Self.highlights)
        let segments = try await measureAll(path, media, length: 7).sorted { $0.bounds.index < $1.bounds.index }
        #expect(segments.count == 5)
        let start = Array(segments.prefix(3))
        let end = Double(try #require(start.last?.bounds.endFrame)) / 30
        #expect(end > 12 && end < 24)
        let early = try MediaAnalyzer.mergeStart(start.shuffled(), media: media, highlights: Self.highlights)
        // What the start holds is what the whole pass found there; nothing is picked past it.
        #expect(early.duration == end)
        #expect(early.cuts == whole.cuts.filter { $0.time < end } && !early.cuts.isEmpty)
        #expect(early.silences == whole.silences.filter { $0.end < end } && !early.silences.isEmpty)
        #expect(early.highlights.count == 3 && early.highlights.allSatisfy { $0.end <= end }, "\(early.highlights)")
        // Only a run from the first segment, and never the whole (that is the merge's).
        #expect(throws: MediaError.self) {
            try MediaAnalyzer.mergeStart(
                Array(segments.dropFirst().prefix(2)), media: media, highlights: Self.highlights)
        }
        #expect(throws: MediaError.self) {
            try MediaAnalyzer.mergeStart(segments, media: media, highlights: Self.highlights)
        }
    }

    @Test func onlyLongConstantRateSourcesAreSplitAndAtKeyframes() async throws {
        let (_, media) = try await source()
        #expect(MediaAnalyzer.segments(of: media, length: 30) == nil, "not longer than a segment")
        var variable = media
        variable.video?.constantFrameRate = false
        #expect(MediaAnalyzer.segments(of: variable, length: 4) == nil)
        let bounds = try #require(MediaAnalyzer.segments(of: media, length: 4))
        let keyframes = Set(media.keyframeTimes.map { Int(($0 * 30).rounded()) })
        #expect(bounds.allSatisfy { keyframes.contains($0.firstFrame) })
        #expect(bounds.first?.firstFrame == 0 && bounds.last?.endFrame == nil)
        #expect(
            zip(bounds, bounds.dropFirst()).allSatisfy { $0.endFrame == $1.firstFrame && $0.endBlock == $1.firstBlock })
        #expect(bounds.allSatisfy { $0.firstBlock * 3 == $0.firstFrame }, "a block is 3 frames at 30 fps")
    }
}
