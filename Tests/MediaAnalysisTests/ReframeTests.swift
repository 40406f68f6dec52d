import ClipGenCore
import Foundation
import MediaEngine
import TestSupport
import Testing

@testable import MediaAnalysis

/// The face helper and the crop planner on generated videos of a real face (opencv-doc's
/// messi5.jpg): one moving across a wide frame then cut to a still shot, and two faces apart.
@Suite struct ReframeTests {
    static let faces = FaceDetector(helper: PythonHelper(venv: TestMedia.helpersVenv))

    /// A 9:16 exact cut of test media from 0 to `end` with `reframe: face`, planned (not rendered) into `dir`.
    static func faceCrop(_ name: String, end: Double, height: Int, in dir: String) async throws -> (
        CutPlan, ReframeResult
    ) {
        let path = try await TestMedia.shared.path(name)
        let media = try await Prober().probe(path)
        var plan = CutPlan(
            input: path, output: dir + "/clip.mp4", start: 0, end: end,
            options: OutputOptions(mode: .exact, aspect: .vertical, height: height, reframe: .face), media: media)
        let reframe = try #require(
            try await ClipPresenter(faces: faces).prepare(&plan, transcript: nil, media: media, scratch: dir).reframe)
        return (plan, reframe)
    }

    /// Where the crop follows a face moving from x=200 to x=1080 px of 1280 over 8 s, then a cut
    /// to a still face at x=300: rendered, the face stays near the middle of every frame.
    @Test func theCropFollowsTheFaceStaysInsideAndStepsAtTheCut() async throws {
        try await withTemporaryDirectory { dir in
            let (plan, reframe) = try await Self.faceCrop("face-pan.mp4", end: 12, height: 640, in: dir)
            #expect(reframe.mode == .face && reframe.layout == .follow && reframe.fit.isEmpty, "\(reframe)")
            // Inside the picture, always.
            #expect(reframe.path.allSatisfy { (0...1).contains($0.x) }, "\(reframe.path)")
            // The face's centre at time t, as the crop position that centres it (crop 405 of 1280 px).
            let crop = 720.0 * 9 / 16
            func centred(_ faceX: Double) -> Double { min(1, max(0, (faceX - crop / 2) / (1280 - crop))) }
            for t in stride(from: 1.0, through: 7.0, by: 1.0) {
                let x = try #require(reframe.x(at: t))
                let face = 216 + 110 * t
                #expect(abs(x - centred(face)) < 0.08, "at \(t) s the crop is at \(x), the face wants \(centred(face))")
            }
            // Never glides across the cut: one step within a fifth of a second of 8 s, then still.
            let steps = zip(reframe.path, reframe.path.dropFirst()).filter { $0.time == $1.time }
            #expect(steps.count == 1 && abs(steps[0].0.time - 8) <= 0.2, "\(reframe.path)")
            let after = reframe.path.filter { $0.time >= 8.1 }.map(\.x)
            #expect(Set(after).count == 1 && abs(after[0] - centred(300)) < 0.05, "\(after)")
            #expect(abs((reframe.x(at: 7.85) ?? 0) - (reframe.x(at: 8.15) ?? 0)) > 0.5, "the crop jumps with the shot")

            try await Cutter().render(plan)
            let seen = try await Self.faces.detect(
                plan.output, media: try await Prober().probe(plan.output), from: 0, to: 12, scratch: dir)
            let centres = seen.filter { !$0.faces.isEmpty && abs($0.time - 8) > 0.3 }.map {
                $0.faces[0][0] + $0.faces[0][2] / 2
            }
            #expect(centres.count >= 50, "the face is in the clip's frames: \(centres.count) of \(seen.count)")
            #expect(centres.allSatisfy { abs($0 - 0.5) < 0.3 }, "the face stays near the middle: \(centres)")
            try Self.drawPath(source: plan.input, reframe: reframe, name: "face-pan")
        }
    }

    @Test func twoFacesApartFallBackToTheWholePicture() async throws {
        try await withTemporaryDirectory { dir in
            let (plan, reframe) = try await Self.faceCrop("faces-two.mp4", end: 6, height: 320, in: dir)
            #expect(reframe.layout == .fit && reframe.fit == [TimeRange(start: 0, end: 6)], "\(reframe)")
            #expect(reframe.reason?.contains("two faces") == true, "\(String(describing: reframe.reason))")
            try await Cutter().render(plan)
            // The whole picture is in the middle of the frame (both faces with it), over a blur.
            let frame = try SpeechTests.grey(plan.output, index: 30, width: 180, height: 320)
            let whole = try Shell.run(
                "ffmpeg",
                [
                    "-v", "error", "-i", plan.input, "-vf", "select=eq(n\\,30),scale=180:100,format=gray", "-frames:v",
                    "1",
                    "-f", "rawvideo", "pipe:1",
                ])
            let source = [UInt8](whole.stdout)
            #expect(source.count == 180 * 100)
            var difference = 0
            for y in 0..<100 {
                for x in 0..<180 { difference += abs(Int(frame[(110 + y) * 180 + x]) - Int(source[y * 180 + x])) }
            }
            #expect(
                Double(difference) / 18000 < 12,
                "the middle band is the source picture: mean difference \(Double(difference) / 18000)")
        }
    }

    @Test func thePlannerHoldsStillInsideTheDeadZoneAndFitsWithoutFaces() {
        let planner = ReframePlanner(cropWidth: 0.3)
        // A face wobbling by 1 % of the width: the crop does not move.
        let wobble = (0..<50).map { i in
            FaceDetector.Sample(
                time: Double(i) / 5, change: 1, faces: [[0.45 + (i % 2 == 0 ? 0.01 : -0.01), 0.3, 0.1, 0.15, 0.9]])
        }
        let still = planner.plan(wobble, duration: 10)
        #expect(still.layout == .still && Set(still.path.map(\.x)).count == 1, "\(still)")
        // No face in most frames: the whole picture.
        let empty = (0..<50).map { i in
            FaceDetector.Sample(time: Double(i) / 5, change: 1, faces: i < 10 ? [[0.4, 0.3, 0.1, 0.15, 0.9]] : [])
        }
        #expect(planner.plan(empty, duration: 10).layout == .fit)
        // A shot without faces after one with a face: following, then the whole picture.
        let mixed =
            wobble.prefix(25)
            + (25..<50).map { i in FaceDetector.Sample(time: Double(i) / 5, change: i == 25 ? 90 : 1, faces: []) }
        let plan = planner.plan(Array(mixed), duration: 10)
        #expect(
            plan.layout == .mixed && plan.fit.count == 1 && abs(plan.fit[0].start - 4.9) < 0.01
                && plan.fit[0].end == 10, "\(plan)")
        // The source already has the aspect: nothing to follow.
        #expect(ReframePlanner(cropWidth: 1).plan(wobble, duration: 10).layout == .still)
    }

    /// The crop path drawn over the source's frames (a box where the crop is, every second), for
    /// a person to look at: `.build/reframe-frames/NAME.jpg`.
    static func drawPath(source: String, reframe: ReframeResult, name: String) throws {
        let directory = TestMedia.repositoryRoot + "/.build/reframe-frames"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let crop = 720 * 9 / 16
        let travel = 1280 - crop
        let boxes = stride(from: 0.5, to: 12, by: 1.0).map { t -> String in
            let x = Int((reframe.x(at: t) ?? 0.5) * Double(travel))
            return "drawbox=x=\(x):y=0:w=\(crop):h=720:color=yellow@0.9:t=8:enable='between(t,\(t - 0.5),\(t + 0.5))'"
        }.joined(separator: ",")
        let result = try Shell.run(
            "ffmpeg",
            [
                "-v", "error", "-y", "-i", source, "-vf", "\(boxes),fps=1,scale=320:-2,tile=6x2", "-frames:v", "1",
                directory + "/\(name).jpg",
            ])
        #expect(result.status == 0, "\(result.stderr)")
    }
}
