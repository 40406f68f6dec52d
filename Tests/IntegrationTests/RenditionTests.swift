import Foundation
import HTTPTypes
import TestSupport
import Testing

/// `output.renditions` through the API: one job, each clip in several files, each decoded and
/// checked for codec, size, duration and rate; the HLS one played file by file under the clip.
@Suite(.serialized) struct RenditionTests {
    @Test func oneClipInSeveralFilesEachWithItsOwnFigures() async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        try await withTemporaryDirectory { dir in
            try await ServerHarness.run(ServerHarness.configuration(dataDir: dir + "/data")) { client in
                let id = try await client.createJob(
                    #"""
                    {"source":{"uploadId":"\#(try await client.upload(source))"},"clips":[{"start":2,"end":10}],
                     "output":{"mode":"smart","renditions":[
                        {"format":"mp4","videoCodec":"h265","height":180,"videoBitrate":300},
                        {"format":"webm","videoCodec":"av1","quality":30},
                        {"format":"m4a","audioBitrate":96},
                        {"format":"hls","height":240}]}}
                    """#)
                let job = try await client.waitForJob(id)
                #expect(job.status == "succeeded", "\(job)")
                let clip = try #require(job.clips.first)
                #expect(clip["modeUsed"] as? String == "smart", "the clip itself is still smart-cut")
                let renditions = clip["renditions"] as? [[String: Any]] ?? []
                #expect(renditions.compactMap { $0["format"] as? String } == ["mp4", "webm", "m4a", "hls"])
                let expected: [(video: String?, audio: String, height: Int?)] = [
                    ("hevc", "aac", 180), ("av1", "opus", 360), (nil, "aac", nil),
                ]
                for (rendition, want) in zip(renditions, expected) {
                    let file = dir + "/r\(rendition["index"] as? Int ?? -1)." + (rendition["format"] as? String ?? "")
                    let (status, _, data) = try await client.download(rendition["url"] as? String ?? "")
                    #expect(status == .ok && data.count == rendition["size"] as? Int)
                    try data.write(to: URL(fileURLWithPath: file))
                    let out = try StreamProbe(file)
                    #expect(out.video?["codec_name"] as? String == want.video, "\(rendition)")
                    #expect(out.audio?["codec_name"] as? String == want.audio)
                    #expect(out.video?["height"] as? Int == want.height && rendition["height"] as? Int == want.height)
                    #expect(abs(out.duration - 8) < 0.1 && abs((rendition["duration"] as? Double ?? 0) - 8) < 0.1)
                    #expect(try Shell.run("ffmpeg", ["-v", "error", "-i", file, "-f", "null", "-"]).status == 0)
                }
                // 300 kbit/s of H.265 and 160 of AAC, with room for an 8 s rate control.
                #expect((250_000...650_000).contains(renditions[0]["bitrate"] as? Int ?? 0), "\(renditions[0])")
                #expect((60_000...130_000).contains(renditions[2]["bitrate"] as? Int ?? 0), "\(renditions[2])")

                // HLS: the playlist, then every segment it lists, fetched under the clip and decoded together.
                let playlist = try #require(renditions[3]["playlistUrl"] as? String)
                let (status, headers, body) = try await client.download(playlist)
                #expect(status == .ok && headers[.contentType] == "application/vnd.apple.mpegurl")
                let text = String(decoding: body, as: UTF8.self)
                #expect(text.contains("#EXT-X-ENDLIST"), "\(text)")
                let segments = text.split(separator: "\n").filter { $0.hasSuffix(".ts") }.map(String.init)
                #expect(segments.count == 2, "8 s in segments of 4 s: \(segments)")
                try FileManager.default.createDirectory(atPath: dir + "/hls", withIntermediateDirectories: true)
                try body.write(to: URL(fileURLWithPath: dir + "/hls/index.m3u8"))
                for segment in segments {
                    let base = (playlist as NSString).deletingLastPathComponent
                    let (status, headers, data) = try await client.download(base + "/" + segment)
                    #expect(status == .ok && headers[.contentType] == "video/mp2t")
                    try data.write(to: URL(fileURLWithPath: dir + "/hls/" + segment))
                }
                let hls = try StreamProbe(dir + "/hls/index.m3u8")
                #expect(hls.video?["codec_name"] as? String == "h264" && hls.video?["height"] as? Int == 240)
                #expect(abs(hls.duration - 8) < 0.2, "\(hls.duration)")
                // Each segment starts on a keyframe and decodes alone; together they hold every frame.
                #expect(try segments.map { try FrameCompare.videoFrameCount(dir + "/hls/" + $0) }.reduce(0, +) == 240)
                let (missing, _, _) = try await client.download(
                    (playlist as NSString).deletingLastPathComponent + "/segment-999.ts")
                #expect(missing == .notFound)

                // Deleting the job removes every rendition's file.
                try await client.delete("/v1/jobs/\(id)")
                let root = dir + "/data/blobs/clips"
                let left = (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).filter {
                    (try? FileManager.default.attributesOfItem(atPath: root + "/" + $0))?[.type] as? FileAttributeType
                        == .typeRegular
                }
                #expect(left.isEmpty, "\(left)")
            }
        }
    }

    @Test func badRenditionsAreRefusedNamingTheirField() async throws {
        try await withTemporaryDirectory { dir in
            try await ServerHarness.run(ServerHarness.configuration(dataDir: dir + "/data")) { client in
                let upload = try await client.upload(try await TestMedia.shared.path("gop2s.mp4"))
                let (status, body) = try await client.postJSON(
                    "/v1/jobs",
                    #"""
                    {"source":{"uploadId":"\#(upload)"},"clips":[{"start":0,"end":2}],
                     "output":{"renditions":[{"format":"webm","videoCodec":"h265"},{"format":"wav","quality":500}]}}
                    """#)
                #expect(status == 422)
                let fields = (body["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
                #expect(Set(fields) == ["output.renditions[0].videoCodec", "output.renditions[1].quality"], "\(body)")
                let (hlsStatus, _) = try await client.postJSON(
                    "/v1/jobs",
                    #"{"source":{"uploadId":"\#(upload)"},"clips":[{"start":0,"end":2}],"output":{"format":"hls"}}"#)
                #expect(hlsStatus == 422)
            }
        }
    }
}
