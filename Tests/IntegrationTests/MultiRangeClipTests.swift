import ClipGenCore
import Foundation
import TestSupport
import Testing

/// A clip made of several ranges of the source (`"ranges"`), through the real server and FFmpeg:
/// joined frame-exact, recorded as the clip's kept ranges, exported as one segment each, kept when
/// the clip is rendered again, and refused clearly when the ranges make no sense.
@Suite struct MultiRangeClipTests {
    @Test func rangesAreJoinedFrameExactIntoOneClip() async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        let fps = 30.0
        try await withTemporaryDirectory { dir in
            try await ServerHarness.run(ServerHarness.configuration(dataDir: dir + "/data")) { client in
                let upload = try await client.upload(source)
                // Keyframe mode asked: joining needs a re-encode, and the clip says so.
                let id = try await client.createJob(
                    #"""
                    {"source":{"uploadId":"\#(upload)"},"output":{"mode":"keyframe"},"thumbnails":false,
                     "clips":[{"name":"joined","ranges":[{"start":1,"end":2},{"start":4,"end":5.5}]}]}
                    """#)
                let job = try await client.waitForJob(id)
                #expect(job.status == "succeeded", "\(job)")
                let clip = try #require(job.clips.first)
                #expect(clip["modeUsed"] as? String == "exact")
                #expect((clip["fallbackReason"] as? String)?.contains("several ranges") == true, "\(clip)")
                let kept = (clip["keptRanges"] as? [[String: Double]] ?? []).map { [$0["start"], $0["end"]] }
                #expect(kept == [[1, 2], [4, 5.5]], "\(clip)")
                #expect(abs((clip["duration"] as? Double ?? 0) - 2.5) <= 1 / fps + 0.001, "\(clip)")

                let file = dir + "/joined.mp4"
                try await client.download(clip["url"] as? String ?? "").2.write(to: URL(fileURLWithPath: file))
                #expect(abs(try FrameCompare.videoFrameCount(file) - 75) <= 1)
                // The first frame of each part is the source's frame at its start: 1 s and 4 s.
                for (clipFrame, sourceFrame) in [(0, 30), (30, 120)] {
                    let shown = try FrameCompare.frame(file, index: clipFrame)
                    var errors: [Int: Double] = [:]
                    for candidate in sourceFrame - 2...sourceFrame + 2 {
                        errors[candidate] = FrameCompare.meanSquaredError(
                            shown, try FrameCompare.frame(source, index: candidate))
                    }
                    let best = errors.min { $0.value < $1.value }!.key
                    #expect(best == sourceFrame, "clip frame \(clipFrame) is source frame \(best): \(errors)")
                }

                // One segment per range in the clip's timeline.
                let (_, _, otio) = try await client.download("/v1/clips/\(clip["id"] as? String ?? "")/timeline")
                let tracks =
                    (try JSONSerialization.jsonObject(with: otio) as? [String: Any])?["tracks"] as? [String: Any]
                let segments = ((tracks?["children"] as? [[String: Any]])?.first?["children"] as? [[String: Any]] ?? [])
                    .map { segment -> [Double?] in
                        let range = segment["source_range"] as? [String: Any]
                        return [
                            (range?["start_time"] as? [String: Any])?["value"] as? Double,
                            (range?["duration"] as? [String: Any])?["value"] as? Double,
                        ]
                    }
                #expect(segments == [[30, 30], [120, 45]])

                // Rendered again with an earlier end: the same ranges, the last one shorter.
                let (status, created) = try await client.postJSON(
                    "/v1/clips/\(clip["id"] as? String ?? "")/renders", #"{"end":5}"#)
                #expect(status == 202, "\(created)")
                let again = try await client.waitForJob(created["id"] as? String ?? "")
                let version = try #require(again.clips.first, "\(again)")
                let versionKept = (version["keptRanges"] as? [[String: Double]] ?? []).map { [$0["start"], $0["end"]] }
                #expect(versionKept == [[1, 2], [4, 5]], "\(version)")
            }
        }
    }

    /// `"crossfade"`: each range fades into the next over the picture and the sound, the clip that
    /// much shorter; away from the join every frame is still the source's own, in the join a mix.
    @Test func joinedRangesCrossfadeIntoOneAnother() async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        try await withTemporaryDirectory { dir in
            try await ServerHarness.run(ServerHarness.configuration(dataDir: dir + "/data")) { client in
                let upload = try await client.upload(source)
                let id = try await client.createJob(
                    #"""
                    {"source":{"uploadId":"\#(upload)"},"thumbnails":false,
                     "clips":[{"ranges":[{"start":1,"end":2.5},{"start":4,"end":5.5}],"crossfade":0.5}]}
                    """#)
                let job = try await client.waitForJob(id)
                #expect(job.status == "succeeded", "\(job)")
                let clip = try #require(job.clips.first)
                #expect(clip["crossfade"] as? Double == 0.5, "\(clip)")
                // Measured against the source through the same fades: the reference lines up.
                let psnr = (clip["quality"] as? [String: Any])?["psnr"] as? Double ?? 0
                #expect(psnr > 30, "PSNR \(psnr) dB: \(clip)")
                #expect(abs((clip["duration"] as? Double ?? 0) - 2.5) <= 0.05, "3 s of ranges less the fade: \(clip)")
                let file = dir + "/crossfaded.mp4"
                try await client.download(clip["url"] as? String ?? "").2.write(to: URL(fileURLWithPath: file))
                let probe = try StreamProbe(file)
                let audio = Double(probe.audio?["duration"] as? String ?? "") ?? 0
                #expect(abs(audio - 2.5) <= 0.1, "the sound is crossfaded too: \(audio) s")
                // The second range fades in from 1.0 s of the clip to 1.5 s: before it the first
                // range (1 s in the source, frame 30 on), after it the second (4.5 s, frame 135 on).
                var exact: [Double] = []
                for (clipFrame, sourceFrame) in [(0, 30), (20, 50), (45, 135), (60, 150)] {
                    let (best, error) = try nearest(file, clipFrame, source, around: [sourceFrame])
                    #expect(best == sourceFrame, "clip frame \(clipFrame) is source frame \(best)")
                    exact.append(error)
                }
                // Half-way (1.25 s): neither range's frame, but both at once.
                let (_, mixed) = try nearest(file, 37, source, around: [67, 127])
                #expect(mixed > 4 * (exact.max() ?? 0) + 20, "a mix, not a cut: \(mixed) against \(exact)")

                for (body, field) in [
                    (#""clips":[{"start":1,"end":3,"crossfade":0.5}]"#, "clips[0].crossfade"),
                    (
                        #""clips":[{"ranges":[{"start":1,"end":1.5},{"start":4,"end":6}],"crossfade":0.5}]"#,
                        "clips[0].crossfade"
                    ),
                    (
                        #""clips":[{"ranges":[{"start":1,"end":3},{"start":4,"end":6}],"crossfade":0.5}],"output":{"removeSilences":{}}"#,
                        "clips[0].crossfade"
                    ),
                ] {
                    let (status, refused) = try await client.postJSON(
                        "/v1/jobs", #"{"source":{"uploadId":"\#(upload)"},\#(body)}"#)
                    let fields = (refused["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
                    #expect(status == 422 && fields == [field], "\(body): \(refused)")
                }
            }
        }
    }

    /// The source frame nearest `clipFrame` of `file` among two either side of each of `around`, and its error.
    private func nearest(_ file: String, _ clipFrame: Int, _ source: String, around: [Int]) throws -> (Int, Double) {
        let shown = try FrameCompare.frame(file, index: clipFrame)
        var errors: [Int: Double] = [:]
        for centre in around {
            for candidate in centre - 2...centre + 2 {
                errors[candidate] = FrameCompare.meanSquaredError(
                    shown, try FrameCompare.frame(source, index: candidate))
            }
        }
        let best = errors.min { $0.value < $1.value }!
        return (best.key, best.value)
    }

    /// `"chapters": true`: markers in the file where the ranges join and at the shot cuts inside
    /// them (none closer than 2 s), the same on the clip with a YouTube-style list.
    @Test func chaptersAreWrittenIntoTheFileAtJoinsAndShotCuts() async throws {
        let source = try await TestMedia.shared.path("cuts.mp4")
        try await withTemporaryDirectory { dir in
            try await ServerHarness.run(ServerHarness.configuration(dataDir: dir + "/data")) { client in
                let upload = try await client.upload(source)
                // Cuts at 3 s and 6 s: clip times 2.5 and 5.0; the join at 4.0 is within 2 s of 2.5.
                let id = try await client.createJob(
                    #"""
                    {"source":{"uploadId":"\#(upload)"},"chapters":true,"thumbnails":false,"output":{"mode":"exact"},
                     "clips":[{"ranges":[{"start":0.5,"end":4.5},{"start":5,"end":8.5}]}]}
                    """#)
                let job = try await client.waitForJob(id)
                #expect(job.status == "succeeded", "\(job)")
                let clip = try #require(job.clips.first)
                let chapters = clip["chapters"] as? [[String: Any]] ?? []
                #expect(chapters.map { $0["start"] as? Double } == [0, 2.5, 5], "\(clip)")
                #expect(clip["youtubeChapters"] as? String == "0:00 Part 1\n0:02 Part 2\n0:05 Part 3")

                let file = dir + "/chaptered.mp4"
                try await client.download(clip["url"] as? String ?? "").2.write(to: URL(fileURLWithPath: file))
                let probe = try Shell.run("ffprobe", ["-v", "error", "-show_chapters", "-of", "json", file])
                let inFile =
                    ((try JSONSerialization.jsonObject(with: probe.stdout) as? [String: Any])?["chapters"]
                        as? [[String: Any]] ?? [])
                #expect(
                    inFile.map { $0["start_time"] as? String } == ["0.000000", "2.500000", "5.000000"], "\(inFile)")
                #expect(inFile.map { ($0["tags"] as? [String: String])?["title"] } == ["Part 1", "Part 2", "Part 3"])
                #expect(abs(try FrameCompare.videoFrameCount(file) - 225) <= 1, "the streams were copied whole")

                let (status, body) = try await client.postJSON(
                    "/v1/jobs",
                    #"{"source":{"uploadId":"\#(upload)"},"chapters":true,"output":{"format":"gif"},"clips":[{"start":1,"end":2}]}"#
                )
                #expect(status == 422 && (body["detail"] as? String)?.contains("chapters") == true, "\(body)")
            }
        }
    }

    @Test func rangesThatMakeNoSenseAreRefusedByField() async throws {
        try await withTemporaryDirectory { dir in
            try await ServerHarness.run(ServerHarness.configuration(dataDir: dir + "/data", workers: false)) { client in
                let upload = try await client.upload(try await TestMedia.shared.path("gop2s.mp4"))
                let fields = { (body: [String: Any]) in
                    Set((body["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String })
                }
                for (ranges, field) in [
                    (#"[{"start":4,"end":5},{"start":1,"end":2}]"#, "clips[0].ranges[1].start"),
                    (#"[{"start":3,"end":2}]"#, "clips[0].ranges[0]"),
                    ("[]", "clips[0].ranges"),
                ] {
                    let (status, body) = try await client.postJSON(
                        "/v1/jobs", #"{"source":{"uploadId":"\#(upload)"},"clips":[{"ranges":\#(ranges)}]}"#)
                    #expect(status == 422 && fields(body) == [field], "\(ranges): \(body)")
                }
                let (status, body) = try await client.postJSON(
                    "/v1/jobs",
                    #"{"source":{"uploadId":"\#(upload)"},"clips":[{"start":0,"end":9,"ranges":[{"start":1,"end":2}]}]}"#
                )
                #expect(status == 422 && fields(body) == ["clips[0]"], "\(body)")
            }
        }
    }
}
