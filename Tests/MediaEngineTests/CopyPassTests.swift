import ClipGenCore
import Foundation
import Synchronization
import TestSupport
import Testing

@testable import MediaEngine

/// A keyframe job's clips and posters from one FFmpeg run, on a source with a keyframe every
/// 2 s (frame 60n): each clip is the same file a copy of its own makes, each poster the
/// source's keyframe nearest a third of the way in (or that exact frame when asked).
@Suite struct CopyPassTests {
    static let ranges: [(Double, Double)] = [(1.5, 5.2), (6, 9), (13.3, 19)]

    func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    @Test func eachClipIsTheFileItsOwnCopyMakesAndEachPosterItsKeyframe() async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        let media = try await Prober().probe(source)
        try await withTemporaryDirectory { dir in
            let options = OutputOptions(mode: .keyframe)
            let items = Self.ranges.enumerated().map { index, range in
                let plan = CutPlan(
                    input: source, output: dir + "/pass-\(index).mp4", start: range.0, end: range.1,
                    options: options, media: media)
                // The last poster is the exact frame; the others the nearest keyframe.
                let poster = PosterFrame.choose(
                    in: plan.actualStart...plan.end, keyframes: media.keyframeTimes, exact: index == 2)
                return CopyPass.Item(plan: plan, poster: poster, posterOutput: dir + "/poster-\(index).jpg")
            }
            let fractions = Mutex<[Double]>([])
            try await Cutter().copy(CopyPass(items: items)) { fraction in fractions.withLock { $0.append(fraction) } }
            #expect(fractions.withLock { $0.last } == 1)

            for (index, item) in items.enumerated() {
                var alone = item.plan
                alone.output = dir + "/alone-\(index).mp4"
                try await Cutter().render(alone)
                #expect(try bytes(item.plan.output) == bytes(alone.output), "clip \(index)")
            }
            #expect(items.map(\.plan.actualStart) == [0, 6, 12])
            // A third into 0–5.2 is 1.72 s: keyframe 2; into 6–9, 7 s: keyframes 6 (too early) and 8.
            #expect(
                items.map { $0.poster! } == [
                    PosterFrame(time: 2, isKeyframe: true), PosterFrame(time: 8, isKeyframe: true),
                    PosterFrame(time: 12 + 7 * 0.33, isKeyframe: false),
                ])
            for (index, frame) in [60, 240, 430].enumerated() {
                let poster = try FrameCompare.frame(dir + "/poster-\(index).jpg", index: 0)
                let errors = try [frame - 2, frame, frame + 2].map {
                    FrameCompare.meanSquaredError(poster, try FrameCompare.frame(source, index: $0))
                }
                #expect(errors[1] < errors[0] && errors[1] < errors[2], "poster \(index): \(errors)")
            }
        }
    }

    /// The index goes in room kept at the front, so the file is written once; when the room is
    /// too small FFmpeg would leave a file without an index and still exit 0, so the pass runs
    /// again with `+faststart`.
    @Test func theIndexIsInFrontWhetherItsRoomSufficedOrNot() async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        let media = try await Prober().probe(source)
        try await withTemporaryDirectory { dir in
            for room in [nil, 1000] as [Int?] {
                var plan = CutPlan(
                    input: source, output: dir + "/clip.mp4", start: 1.5, end: 9,
                    options: OutputOptions(mode: .keyframe),
                    media: media)
                #expect(plan.moovReservation.map { $0 > 16_384 } == true)
                if let room { plan.moovReservation = room }
                try await Cutter().copy(CopyPass(items: [CopyPass.Item(plan: plan)]))
                let head = try Data(contentsOf: URL(fileURLWithPath: plan.output)).prefix(64 << 10)
                let moov = try #require(head.range(of: Data("moov".utf8)))
                #expect(head.range(of: Data("mdat".utf8)).map { moov.lowerBound < $0.lowerBound } ?? true)
                let seconds = try await Prober().duration(of: plan.output)
                #expect(abs(seconds - 9) < 0.25, "\(seconds)")
            }
        }
    }

    @Test func aSourceFFmpegCannotReadLeavesNoFileBehind() async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        let media = try await Prober().probe(source)
        try await withTemporaryDirectory { dir in
            // Accepted when probed, then not the same file when cut.
            let swapped = dir + "/source.mp4"
            try Data(repeating: 0x47, count: 4096).write(to: URL(fileURLWithPath: swapped))
            let items = Self.ranges.enumerated().map { index, range in
                let plan = CutPlan(
                    input: swapped, output: dir + "/pass-\(index).mp4", start: range.0, end: range.1,
                    options: OutputOptions(mode: .keyframe), media: media)
                return CopyPass.Item(
                    plan: plan, poster: PosterFrame(time: range.0, isKeyframe: true),
                    posterOutput: dir + "/poster-\(index).jpg")
            }
            await #expect {
                try await Cutter().copy(CopyPass(items: items))
            } throws: { error in
                (error as? MediaError)?.code == .renderFailed
                    && (error as? MediaError)?.message == "FFmpeg could not copy the clips"
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["source.mp4"])
        }
    }

    @Test func aPosterIsTheNearestKeyframeInsideTheClipUnlessExact() {
        let keyframes: [Double] = [0, 2, 4, 10, 20]
        #expect(PosterFrame.choose(in: 0...9, keyframes: keyframes, exact: false) == .init(time: 2, isKeyframe: true))
        #expect(
            PosterFrame.choose(in: 0...9, keyframes: keyframes, exact: true)
                == .init(time: 9 * 0.33, isKeyframe: false))
        // Keyframe 2 is inside the fade-in; 4 is the nearest one past it.
        #expect(
            PosterFrame.choose(in: 0...9, keyframes: keyframes, exact: false, fadeIn: 2.5)
                == .init(time: 4, isKeyframe: true))
        // Only the clip's first frame is a keyframe: the exact frame instead.
        #expect(
            PosterFrame.choose(in: 10...16, keyframes: keyframes, exact: false)
                == .init(time: 10 + 6 * 0.33, isKeyframe: false))
        #expect(
            PosterFrame.choose(in: 0...9, keyframes: nil, exact: false) == .init(time: 9 * 0.33, isKeyframe: false))
        let seek = PosterFrame(time: 2, isKeyframe: true).inputArguments("in.mp4", hostile: true)
        #expect(
            seek.starts(with: [
                "-discard", "nokey", "-skip_frame", "nokey", "-noaccurate_seek", "-ss", "2.001000", "-t", "1",
            ]))
        #expect(seek.containsSequence(["-protocol_whitelist", "file"]) && seek.last == "in.mp4")
    }
}
