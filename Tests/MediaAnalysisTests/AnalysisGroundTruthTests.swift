import ClipGenCore
import Foundation
import MediaEngine
import TestSupport
import Testing

@testable import MediaAnalysis

/// `analysis.mp4` from scripts/make-test-media.sh, whose events are known by construction.
@Suite struct AnalysisGroundTruthTests {
    static let cutFrames = [120, 210, 300, 420, 510, 720, 810]

    func analyse(highlights: JobRequest.Highlights? = nil) async throws -> (Analysis, String) {
        let path = try await TestMedia.shared.path("analysis.mp4")
        let media = try await Prober().probe(path)
        return (try await MediaAnalyzer().analyze(path, media: media, highlights: highlights), path)
    }

    @Test func hardCutsWithinOneFrameAndNothingElse() async throws {
        let (analysis, _) = try await analyse()
        let found = analysis.cuts.map(\.frame)
        #expect(found.count == Self.cutFrames.count, "cuts at \(found)")
        for expected in Self.cutFrames {
            #expect(found.contains { abs($0 - expected) <= 1 }, "no cut near frame \(expected); found \(found)")
        }
        // The flash at 2 s, the pan 10–14 s and the fade through black 19–22 s are not cuts.
        for cut in analysis.cuts {
            #expect(
                !(1.8...2.3).contains(cut.time) && !(10.2...13.8).contains(cut.time)
                    && !(18.5...23.5).contains(cut.time))
            #expect(cut.score >= 3)
            #expect(abs(cut.time - Double(cut.frame) / 30) < 0.001)
        }
    }

    @Test func fadesBlackFrozenAndBlur() async throws {
        let (analysis, _) = try await analyse()
        let fadeOut = try #require(analysis.fades.first { $0.kind == .out }, "\(analysis.fades)")
        let fadeIn = try #require(analysis.fades.first { $0.kind == .in }, "\(analysis.fades)")
        #expect(analysis.fades.count == 2, "\(analysis.fades)")
        #expect(abs(fadeOut.start - 19) <= 0.2 && abs(fadeOut.end - 20) <= 0.2, "\(fadeOut)")
        #expect(abs(fadeIn.start - 21) <= 0.2 && abs(fadeIn.end - 22) <= 0.2, "\(fadeIn)")

        #expect(analysis.black.count == 1, "\(analysis.black)")
        let black = try #require(analysis.black.first)
        #expect(black.start >= 19.5 && black.start <= 20.05 && black.end >= 20.95 && black.end <= 21.5, "\(black)")

        #expect(analysis.frozen.count == 1, "\(analysis.frozen)")
        let frozen = try #require(analysis.frozen.first)
        #expect(abs(frozen.start - 14) <= 0.1 && abs(frozen.end - 17) <= 0.1, "\(frozen)")

        #expect(analysis.blurry.count == 1, "\(analysis.blurry)")
        let blurry = try #require(analysis.blurry.first)
        #expect(blurry.start >= 23.5 && blurry.start <= 24.6 && blurry.end >= 26.5 && blurry.end <= 27.5, "\(blurry)")

        // Shots: split at the seven cuts and around the black; none inside the black.
        #expect(analysis.scenes.count == 9, "\(analysis.scenes)")
        #expect(!analysis.scenes.contains { $0.contains(20.5) })
        let steps = Int((analysis.duration / analysis.step).rounded(.up))
        #expect(
            analysis.sharpness.count >= steps - 4 && analysis.motion.count == steps,
            "\(analysis.sharpness.count) \(analysis.motion.count)")
        // The pan moves, the frozen stretch does not.
        let motion = { (t: Double) in analysis.motion.first { abs($0.time - t) < 0.01 }?.value ?? -1 }
        #expect(motion(12) > 2 && motion(15.5) < 0.3, "\(motion(12)) \(motion(15.5))")
    }

    @Test func silencesAndLoudnessMatchFFmpeg() async throws {
        let (analysis, path) = try await analyse()
        #expect(analysis.silences.count == 2, "\(analysis.silences)")
        for (silence, (start, end)) in zip(analysis.silences, [(8.0, 10.0), (25.0, 26.0)]) {
            #expect(abs(silence.start - start) <= 0.15 && abs(silence.end - end) <= 0.15, "\(silence)")
        }
        let loudness = try #require(analysis.loudness)
        let reference = try FFmpegLoudness.measure(path)
        #expect(abs(try #require(loudness.integratedLUFS) - reference.integrated) <= 0.5, "\(loudness) vs \(reference)")
        #expect(abs(try #require(loudness.rangeLU) - reference.range) <= 0.5, "\(loudness) vs \(reference)")
        #expect(abs(try #require(loudness.truePeakDBTP) - reference.truePeak) <= 0.5, "\(loudness) vs \(reference)")
        // The curve: quiet at −20 dBFS, loud 13–17 s, nothing while silent.
        let at = { (t: Double) in loudness.curve.first { abs($0.time - t) < 0.01 }?.momentaryLUFS ?? 0 }
        #expect(at(15) > at(5) + 15, "\(at(15)) \(at(5))")
        #expect(at(9) < -60)
    }

    @Test func highlightsFindTheLoudStretchOnShotBoundaries() async throws {
        let (analysis, _) = try await analyse(highlights: .init(count: 1, minDuration: 5, maxDuration: 8))
        let best = try #require(analysis.highlights.first)
        #expect(analysis.highlights.count == 1)
        let overlap = min(best.end, 17) - max(best.start, 13)
        #expect(overlap >= 2.5, "\(best)")
        #expect(best.end - best.start >= 5 - 1e-6 && best.end - best.start <= 8 + 1e-6)
        #expect(best.reason.contains("loud"), "\(best.reason)")
        #expect(best.score > 0 && best.score <= 1)
        // Its start is on a shot change or at the end of a pause, not mid-shot.
        let starts = analysis.scenes.map(\.start) + analysis.silences.map { max($0.start, $0.end - 0.25) }
        let ends = analysis.scenes.map(\.end) + analysis.silences.map { min($0.end, $0.start + 0.25) }
        #expect(starts.contains { abs($0 - best.start) < 0.01 }, "\(best) vs \(starts)")
        #expect(ends.contains { abs($0 - best.end) < 0.01 }, "\(best) vs \(ends)")

        let (three, _) = try await analyse(highlights: .init(count: 3, minDuration: 5, maxDuration: 8))
        #expect(three.highlights.count == 3)
        for (a, b) in zip(three.highlights, three.highlights.dropFirst()) {
            #expect(a.end <= b.start, "\(three.highlights)")
        }
    }
}

/// FFmpeg's own EBU R128 meter, the reference our meter is checked against.
enum FFmpegLoudness {
    struct Result {
        var integrated: Double
        var range: Double
        var truePeak: Double
    }

    static func measure(_ path: String) throws -> Result {
        let result = try Shell.run(
            "ffmpeg", ["-hide_banner", "-nostdin", "-i", path, "-vn", "-af", "ebur128=peak=true", "-f", "null", "-"])
        let summary = result.stderr.components(separatedBy: "Summary:").last ?? ""
        func value(_ key: String) throws -> Double {
            guard
                let line = summary.split(separator: "\n").first(where: {
                    $0.trimmingCharacters(in: .whitespaces).hasPrefix(key)
                }),
                let number = line.split(separator: " ").dropFirst().first(where: { Double($0) != nil }).flatMap({
                    Double($0)
                })
            else { throw TestFailure("no \(key) in ebur128's summary: \(summary)") }
            return number
        }
        return Result(integrated: try value("I:"), range: try value("LRA:"), truePeak: try value("Peak:"))
    }
}

@Suite struct AnalysisLifecycleTests {
    /// No FFmpeg child of this process is left decoding `path`.
    func decoders(of path: String) throws -> Int {
        let result = try Shell.run("pgrep", ["-f", "-P", "\(ProcessInfo.processInfo.processIdentifier)", path])
        return String(decoding: result.stdout, as: UTF8.self).split(separator: "\n").count
    }

    /// An FFmpeg that reads its input at real-time speed (`-re`), so an analysis of a 40 s file
    /// takes 40 s however fast or busy the machine is, and stopping it early is unmistakable.
    func realTimeFFmpeg(in directory: String) throws -> String {
        let path = directory + "/ffmpeg-re"
        try "#!/bin/sh\nexec ffmpeg -re \"$@\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    @Test func aTimeoutStopsBothDecodersWithAClearError() async throws {
        let path = try await TestMedia.shared.path("longgop-nob.mp4")
        let media = try await Prober().probe(path)
        try await withTemporaryDirectory { dir in
            let ffmpeg = try realTimeFFmpeg(in: dir)
            // Ignoring the timeout would read the whole file (40 s in real time) and succeed: the
            // error is the proof, not a stopwatch a busy machine could break.
            await #expect {
                _ = try await MediaAnalyzer(ffmpegPath: ffmpeg, timeout: .milliseconds(500)).analyze(path, media: media)
            } throws: { error in
                (error as? MediaError)?.code == .mediaTimeout
            }
            #expect(try await eventually { try decoders(of: path) == 0 }, "the killed decoders are gone")
        }
    }

    @Test func cancellingStopsTheDecoders() async throws {
        let path = try await TestMedia.shared.path("longgop.mp4")
        let media = try await Prober().probe(path)
        try await withTemporaryDirectory { dir in
            let ffmpeg = try realTimeFFmpeg(in: dir)
            let task = Task { try await MediaAnalyzer(ffmpegPath: ffmpeg).analyze(path, media: media) }
            try await Task.sleep(for: .milliseconds(500))
            task.cancel()
            let result = await task.result
            // Not cancelled, the analysis would read the whole file (40 s in real time) and succeed.
            #expect((try? result.get()) == nil, "the analysis was stopped, not finished")
            #expect(try await eventually { try decoders(of: path) == 0 }, "the killed decoders are gone")
        }
    }
}
