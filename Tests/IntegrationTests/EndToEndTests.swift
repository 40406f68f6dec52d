import ClipGenCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

@Suite(.serialized) struct EndToEndTests {
    let fps = 30.0

    @Test func exactAndKeyframeClipsAreCutAsPromised() async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        try await withTemporaryDirectory { dir in
            try await ServerHarness.run(ServerHarness.configuration(dataDir: dir + "/data")) { client in
                let upload = try await client.upload(source)
                let exact = try await client.createJob(
                    #"""
                    {"source":{"uploadId":"\#(upload)"},"output":{"mode":"exact"},
                     "clips":[{"start":3.51,"end":7,"name":"exact-a"},{"start":"00:00:10.000","end":12.5,
                         "name":"exact-b"}]}
                    """#)
                let keyframe = try await client.createJob(
                    #"""
                    {"source":{"uploadId":"\#(upload)"},"output":{"mode":"keyframe"},
                     "clips":[{"start":5.5,"end":9},{"start":12,"end":13}]}
                    """#)

                let exactJob = try await client.waitForJob(exact)
                #expect(exactJob.status == "succeeded", "\(exactJob)")
                #expect(exactJob["progress"] as? Double == 1 && exactJob["stage"] as? String == "done")
                #expect((exactJob["source"] as? [String: Any])?["duration"] as? Double == 20)
                for (clip, (start, end)) in zip(exactJob.clips, [(3.51, 7.0), (10.0, 12.5)]) {
                    let file = dir + "/\(clip["id"]!).mp4"
                    let (status, headers, data) = try await client.download(clip["url"] as! String)
                    #expect(status == .ok && headers[.contentType] == "video/mp4")
                    try data.write(to: URL(fileURLWithPath: file))
                    let expectedFrames = Int(((end - start) * fps).rounded(.up))
                    let frames = try FrameCompare.videoFrameCount(file)
                    #expect(
                        abs(frames - expectedFrames) <= 1,
                        "clip \(start)–\(end): \(frames) frames, wanted \(expectedFrames)")
                    #expect(abs((clip["duration"] as? Double ?? 0) - (end - start)) <= 1 / fps + 0.001)
                    // The frame on screen at `start` in the source is the clip's first frame.
                    let target = Int((start * fps).rounded(.down))
                    let match = try FrameCompare.bestMatch(
                        clip: file, source: source, candidates: [target - 1, target, target + 1])
                    #expect(
                        match.index == target,
                        "first frame matches source frame \(match.index), not \(target): \(match.errors)")
                    #expect(clip["modeUsed"] as? String == "exact")
                }

                let keyframeJob = try await client.waitForJob(keyframe)
                #expect(keyframeJob.status == "succeeded", "\(keyframeJob)")
                for (clip, (start, keyframeTime)) in zip(keyframeJob.clips, [(5.5, 4.0), (12.0, 12.0)]) {
                    #expect(
                        clip["actualStart"] as? Double == keyframeTime,
                        "start \(start) copies from keyframe \(keyframeTime)")
                    let file = dir + "/\(clip["id"]!).mp4"
                    try await client.download(clip["url"] as! String).2.write(to: URL(fileURLWithPath: file))
                    let target = Int(keyframeTime * fps)
                    let match = try FrameCompare.bestMatch(
                        clip: file, source: source, candidates: [target - 1, target, target + 1])
                    #expect(match.index == target, "keyframe clip begins at source frame \(match.index), not \(target)")
                    #expect(clip["modeUsed"] as? String == "keyframe")
                }
            }
        }
    }

    @Test func downloadsHonourRangesAndETags() async throws {
        let source = try await TestMedia.shared.path("noaudio.mp4")
        try await withTemporaryDirectory { dir in
            try await ServerHarness.run(ServerHarness.configuration(dataDir: dir + "/data")) { client in
                let job = try await client.waitForJob(
                    try await client.createJob(
                        #"{"source":{"uploadId":"\#(try await client.upload(source))"},"clips":[{"start":1,"end":3}]}"#)
                )
                #expect(job.status == "succeeded")
                let clip = try #require(job.clips.first)
                // The default mode: keyframes every second, so the clip is copied GOPs and no fallback.
                #expect(clip["modeUsed"] as? String == "smart" && clip["fallbackReason"] == nil, "\(clip)")
                #expect(clip["encoder"] as? String == "libx264+copy")
                let url = clip["url"] as! String
                let (_, headers, whole) = try await client.download(url)
                #expect(headers[.eTag] == "\"\(clip["sha256"] as! String)\"" && headers[.acceptRanges] == "bytes")
                let (status, rangeHeaders, part) = try await client.download(url, range: "bytes=100-199")
                #expect(status == .partialContent && part == whole[100..<200])
                #expect(rangeHeaders[.contentRange] == "bytes 100-199/\(whole.count)")
                let (tailStatus, _, tail) = try await client.download(url, range: "bytes=-10")
                #expect(tailStatus == .partialContent && tail == whole.suffix(10))
                #expect(try await client.download(url, range: "bytes=\(whole.count)-").0 == .rangeNotSatisfiable)
                // The encoder used is counted in /metrics too.
                let metrics = String(decoding: try await client.download("/metrics").2, as: UTF8.self)
                #expect(
                    metrics.contains(#"clips_rendered_total{encoder="libx264+copy",format="mp4",mode="smart"} 1"#),
                    "\(metrics)")
                #expect(metrics.contains(#"worker_encoder{encoder="libx264","#))
                #expect(
                    metrics.contains("# TYPE http_requests_total counter")
                        && metrics.contains(#"queue_size{capability="cpu"} 0"#))
            }
        }
    }

    @Test(arguments: [
        ("corrupt.mp4", #"{"start":0,"end":1}"#, "unsupported_media"),
        ("audio-only.m4a", #"{"start":0,"end":1}"#, "no_video_stream"),
        ("gop2s.mp4", #"{"start":15,"end":25}"#, "range_outside_media"),
        ("truncated.mp4", #"{"start":0,"end":1}"#, "unsupported_media"),
    ])
    func unusableInputFailsTheJobWithAClearCode(file: String, clip: String, code: String) async throws {
        let source = try await TestMedia.shared.path(file)
        try await withTemporaryDirectory { dir in
            try await ServerHarness.run(ServerHarness.configuration(dataDir: dir + "/data")) { client in
                let job = try await client.waitForJob(
                    try await client.createJob(
                        #"{"source":{"uploadId":"\#(try await client.upload(source))"},"clips":[\#(clip)]}"#))
                #expect(job.status == "failed")
                #expect(job.errorCode == code)
                #expect((job["error"] as? [String: Any])?["message"] as? String != nil)
                #expect(job["attempts"] as? Int == 1, "a file that cannot be read is not retried")
            }
        }
    }
}
