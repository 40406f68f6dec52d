import Foundation
import HTTPTypes
import TestSupport
import Testing

/// `POST /v1/clips/{id}/renders`: a clip again with new edges and another output, as a job of
/// one render that starts from its job's probe; the first version stays as it was.
@Suite(.serialized) struct RerenderTests {
    @Test func aClipRenderedAgainIsANewVersionAndTheOldOneStays() async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        try await withTemporaryDirectory { dir in
            try await ServerHarness.run(ServerHarness.configuration(dataDir: dir + "/data")) { client in
                let first = try await client.waitForJob(
                    try await client.createJob(
                        #"""
                        {"source":{"uploadId":"\#(try await client.upload(source))"},"clips":[{"start":2,"end":6,"name":"intro"}],
                         "output":{"mode":"exact"}}
                        """#))
                let clip = try #require(first.clips.first)
                let clipId = try #require(clip["id"] as? String)
                let (_, _, before) = try await client.download(clip["url"] as? String ?? "")

                let (status, created) = try await client.postJSON(
                    "/v1/clips/\(clipId)/renders",
                    #"{"start":3,"end":5,"output":{"mode":"exact","format":"webm","aspect":"9:16"}}"#)
                #expect(status == 202, "\(created)")
                // Given its job's probe: it starts at the render, with the source already known.
                #expect(created["stage"] as? String == "render" && created["rerenderOf"] as? String == clipId)
                #expect((created["source"] as? [String: Any])?["duration"] as? Double == 20)
                let again = try await client.waitForJob(created["id"] as? String ?? "")
                #expect(again.status == "succeeded", "\(again)")
                let version = try #require(again.clips.first)
                #expect(version["id"] as? String != clipId && version["name"] as? String == "intro")
                #expect(version["format"] as? String == "webm" && abs((version["duration"] as? Double ?? 0) - 2) < 0.05)
                let file = dir + "/v2.webm"
                try await client.download(version["url"] as? String ?? "").2.write(to: URL(fileURLWithPath: file))
                #expect(try MediaMeasure.size(file) == (202, 360))
                // The first version is kept, byte for byte.
                let (_, _, after) = try await client.download(clip["url"] as? String ?? "")
                #expect(after == before && !after.isEmpty)
                #expect(try await client.job(first["id"] as? String ?? "").clips.count == 1)
            }
        }
    }

    @Test func badRendersAreRefusedNamingTheirField() async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        try await withTemporaryDirectory { dir in
            try await ServerHarness.run(ServerHarness.configuration(dataDir: dir + "/data")) { client in
                let upload = try await client.upload(source)
                let first = try await client.waitForJob(
                    try await client.createJob(
                        #"{"source":{"uploadId":"\#(upload)"},"clips":[{"start":2,"end":6}],"output":{"mode":"keyframe"}}"#
                    ))
                let clipId = try #require(first.clips.first?["id"] as? String)
                let fields = { (body: [String: Any]) in
                    Set((body["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String })
                }
                var (status, body) = try await client.postJSON("/v1/clips/\(clipId)/renders", #"{"end":40}"#)
                #expect(status == 422 && fields(body) == ["end"], "\(body)")
                (status, body) = try await client.postJSON(
                    "/v1/clips/\(clipId)/renders", #"{"corrections":[{"time":3,"text":"hello"}]}"#)
                #expect(status == 422 && fields(body) == ["corrections"], "\(body)")
                (status, body) = try await client.postJSON(
                    "/v1/clips/\(clipId)/renders", #"{"output":{"mode":"keyframe","aspect":"1:1"}}"#)
                #expect(status == 422 && fields(body) == ["output.mode"], "\(body)")
                (status, _) = try await client.postJSON("/v1/clips/00000000-0000-0000-0000-000000000000/renders", "{}")
                #expect(status == 404)
                (status, body) = try await client.postJSON(
                    "/v1/jobs",
                    #"""
                    {"source":{"uploadId":"\#(upload)"},"clips":[{"start":0,"end":1}],
                     "rerender":{"clipId":"\#(clipId)","jobId":"\#(first["id"] as? String ?? "")"}}
                    """#)
                #expect(status == 422 && fields(body) == ["rerender"], "\(body)")
            }
        }
    }
}
