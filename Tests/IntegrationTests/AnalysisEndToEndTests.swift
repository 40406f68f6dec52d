import ClipGenCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

/// Analysis, highlights and quality through the real server, workers and FFmpeg.
@Suite(.serialized) struct AnalysisEndToEndTests {
    @Test func highlightsBecomeClipsWithScoresReasonsAndQuality() async throws {
        let source = try await TestMedia.shared.path("analysis.mp4")
        try await withTemporaryDirectory { dir in
            try await ServerHarness.run(ServerHarness.configuration(dataDir: dir + "/data")) { client in
                let upload = try await client.upload(source)
                let id = try await client.createJob(
                    #"""
                    {"source":{"uploadId":"\#(upload)"},"highlights":{"count":2,"minDuration":5,"maxDuration":8},
                     "output":{"mode":"exact","height":180}}
                    """#)
                let job = try await client.waitForJob(id)
                #expect(job.status == "succeeded", "\(job)")
                #expect(job["analysisUrl"] as? String == "/v1/jobs/\(id)/analysis")
                let (status, _, body) = try await client.download("/v1/jobs/\(id)/analysis")
                #expect(status == .ok)
                let analysis = try JSONDecoder().decode(Analysis.self, from: body)
                #expect(
                    analysis.cuts.count == 7 && analysis.highlights.count == 2,
                    "\(analysis.cuts) \(analysis.highlights)")
                #expect(
                    analysis.suggestions == nil, "highlights asked for: the picked ones, no suggestions beside them")
                #expect(analysis.loudness?.integratedLUFS != nil && !analysis.silences.isEmpty)

                let clips = job.clips
                #expect(clips.count == 2)
                for (clip, highlight) in zip(clips, analysis.highlights) {
                    #expect(clip["name"] as? String == "highlight-\((clip["index"] as? Int ?? 0) + 1)")
                    #expect(clip["start"] as? Double == highlight.start && clip["end"] as? Double == highlight.end)
                    #expect(
                        clip["score"] as? Double == highlight.score && clip["reason"] as? String == highlight.reason)
                    let duration = clip["duration"] as? Double ?? 0
                    #expect(duration >= 5 - 0.04 && duration <= 8 + 0.04, "\(clip)")
                    // Quality: re-encoded at 180p against the source range scaled the same way.
                    let quality = try #require(clip["quality"] as? [String: Any], "\(clip)")
                    #expect((quality["psnr"] as? Double ?? 0) > 30, "\(quality)")
                    #expect((quality["ssim"] as? Double ?? 0) > 0.9, "\(quality)")
                    #expect(quality["loudnessLUFS"] as? Double != nil)
                    let one = try await client.download("/v1/clips/\(clip["id"]!)")
                    #expect(one.0 == .ok && String(decoding: one.2, as: UTF8.self).contains("\"ssim\""))
                }
                let metrics = String(decoding: try await client.download("/metrics").2, as: UTF8.self)
                #expect(metrics.contains(#"processing_seconds_count{stage="analyze"} 1"#), "\(metrics)")
                #expect(metrics.contains(#"processing_seconds_count{stage="quality"} 2"#))
            }
        }
    }

    @Test func analyseOnlyJobsMakeNoClipsAndOthersHaveNoAnalysis() async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        try await withTemporaryDirectory { dir in
            try await ServerHarness.run(ServerHarness.configuration(dataDir: dir + "/data")) { client in
                let upload = try await client.upload(source)
                let analyse = try await client.createJob(
                    #"{"source":{"uploadId":"\#(upload)"},"analyze":true,"thumbnails":false}"#)
                let keyframe = try await client.createJob(
                    #"""
                    {"source":{"uploadId":"\#(upload)"},"output":{"mode":"keyframe"},"clips":[{"start":2,"end":4},
                        {"start":6,"end":8}],
                     "quality":true,"thumbnails":false}
                    """#)
                let plain = try await client.createJob(
                    #"""
                    {"source":{"uploadId":"\#(upload)"},"output":{"mode":"keyframe"},"clips":[{"start":2,"end":4}],
                        "thumbnails":false}
                    """#)

                let job = try await client.waitForJob(analyse)
                #expect(job.status == "succeeded" && job.clips.isEmpty, "\(job)")
                let analysis = try JSONDecoder().decode(
                    Analysis.self, from: try await client.download("/v1/jobs/\(analyse)/analysis").2)
                // gop2s: one continuous shot; tone 4 s on, 2 s off.
                #expect(analysis.cuts.isEmpty && analysis.scenes.count == 1, "\(analysis.cuts)")
                #expect(analysis.silences.count == 3, "\(analysis.silences)")
                for (silence, start) in zip(analysis.silences, [4.0, 10.0, 16.0]) {
                    #expect(abs(silence.start - start) <= 0.15 && abs(silence.end - (start + 2)) <= 0.15, "\(silence)")
                }
                #expect(analysis.highlights.isEmpty)
                // Suggestions to show on a timeline, never rendered (the job made no clips).
                let suggestions = try #require(analysis.suggestions)
                #expect(!suggestions.isEmpty && suggestions.count <= 5, "\(suggestions)")
                #expect(
                    suggestions.allSatisfy { $0.end <= analysis.duration + 0.01 && !$0.reason.isEmpty && $0.score > 0 })

                // Stream-copied frames are the source's own: identical, so PSNR is at its cap.
                let copied = try await client.waitForJob(keyframe)
                #expect(copied.status == "succeeded", "\(copied)")
                for clip in copied.clips {
                    let quality = try #require(clip["quality"] as? [String: Any], "\(clip)")
                    #expect(quality["psnr"] as? Double == 100 && quality["ssim"] as? Double == 1, "\(quality)")
                }
                // Keyframe jobs measure nothing unless asked, and a job that did not analyse has no analysis.
                let other = try await client.waitForJob(plain)
                #expect(
                    other.status == "succeeded" && other.clips.first?["quality"] == nil && other["analysisUrl"] == nil)
                let (status, headers, body) = try await client.download("/v1/jobs/\(plain)/analysis")
                #expect(status == .notFound && headers[.contentType] == "application/problem+json")
                #expect(String(decoding: body, as: UTF8.self).contains("did not analyse"))
            }
        }
    }

    @Test func analyseCommandPrintsTheSameAnalysis() async throws {
        let source = try await TestMedia.shared.path("analysis.mp4")
        let json = try Shell.run(
            TestMediaPaths.clipgen,
            ["analyze", source, "--json", "--highlights", "1", "--min-duration", "5", "--max-duration", "8"])
        #expect(json.status == 0, "\(json.stderr)")
        let analysis = try JSONDecoder().decode(Analysis.self, from: json.stdout)
        #expect(analysis.cuts.map(\.frame).count == 7 && analysis.highlights.count == 1)
        let text = try Shell.run(TestMediaPaths.clipgen, ["analyze", source])
        #expect(text.status == 0)
        let summary = String(decoding: text.stdout, as: UTF8.self)
        #expect(
            summary.contains("cuts (7)") && summary.contains("fades: out 19.")
                && summary.contains("frozen: 14.00–17.00"), "\(summary)")
        let bad = try Shell.run(TestMediaPaths.clipgen, ["analyze", source, "--highlights", "0"])
        #expect(bad.status != 0 && bad.stderr.contains("--highlights: must be from 1 to 20"), "\(bad.stderr)")
        let audioOnly = try Shell.run(
            TestMediaPaths.clipgen, ["analyze", try await TestMedia.shared.path("audio-only.m4a")])
        #expect(audioOnly.status != 0 && audioOnly.stderr.contains("no video"), "\(audioOnly.stderr)")
    }
}
