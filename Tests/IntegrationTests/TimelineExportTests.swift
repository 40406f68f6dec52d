import ClipGenCore
import Foundation
import NIOCore
import TestSupport
import Testing

/// `GET …/timeline?format=otio|edl|fcpxml` read back by OpenTimelineIO (with its EDL and FCPXML
/// adapters, installed by scripts/setup.sh): every clip's source range to the frame of what the
/// clip records it shows, the shot cuts inside them as markers, and OTIO's own round trip.
@Suite struct TimelineExportTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Scripts/timeline_read.py"
    ).path

    struct Read: Decodable {
        struct Clip: Decodable, Equatable {
            var name: String
            var start: Int
            var frames: Int
            var record: Int
        }
        var name: String
        var clips: [Clip]
        var markers: [Int]
        var roundtrip: Bool?
    }

    @Test func jobAndClipTimelinesReadBackToTheFrameInEveryFormat() async throws {
        let source = try await TestMedia.shared.path("cuts.mp4")
        try await withTemporaryDirectory { dir in
            try await ServerHarness.run(ServerHarness.configuration(dataDir: dir + "/data")) { client in
                let upload = try await client.upload(source)
                // Shot cuts at 3 s and 6 s (frames 90 and 180), one inside each clip.
                let id = try await client.createJob(
                    #"""
                    {"source":{"uploadId":"\#(upload)"},"analyze":true,"thumbnails":false,"output":{"mode":"exact"},
                     "clips":[{"start":1,"end":4.5,"name":"opening"},{"start":5,"end":8}]}
                    """#)
                let job = try await client.waitForJob(id)
                #expect(job["status"] as? String == "succeeded", "\(job)")
                let fps = try #require((job["source"] as? [String: Any])?["fps"] as? Double)
                let rate = FrameRate(fps: fps)
                #expect(rate == FrameRate(numerator: 30, denominator: 1))
                let clips = try #require(job["clips"] as? [[String: Any]])
                // What each clip records it shows, in source frames, back to back.
                var expected: [Read.Clip] = []
                for clip in clips {
                    let start = rate.frame(try #require(clip["actualStart"] as? Double))
                    let end = rate.frame(try #require(clip["end"] as? Double))
                    expected.append(
                        .init(
                            name: clip["name"] as? String ?? "clip \((clip["index"] as? Int ?? 0) + 1)", start: start,
                            frames: end - start, record: expected.last.map { $0.record + $0.frames } ?? 0))
                }
                #expect(expected.map(\.start) == [30, 150] && expected.map(\.frames) == [105, 90])
                // Clip starts, and the cuts at source frames 90 and 180 placed on the record timeline.
                let markers = [0, 90 - 30, 105, 105 + 180 - 150]

                for format in ["otio", "edl", "fcpxml"] {
                    let read = try await Self.read(
                        client, "/v1/jobs/\(id)/timeline?format=\(format)", format, rate, dir)
                    // An EDL names each event after its source file only.
                    let names = format == "edl" ? expected.map { _ in "upload" } : expected.map(\.name)
                    #expect(read.clips.map(\.name) == names, "\(format)")
                    #expect(
                        read.clips.map { [$0.start, $0.frames, $0.record] }
                            == expected.map { [$0.start, $0.frames, $0.record] }, "\(format)")
                    #expect(Set(markers).isSubset(of: Set(read.markers)), "\(format): \(read.markers)")
                    if format == "otio" { #expect(read.roundtrip == true) }
                }
                let clipID = try #require(clips.last?["id"] as? String)
                let single = try await Self.read(client, "/v1/clips/\(clipID)/timeline?format=otio", "otio", rate, dir)
                #expect(single.clips == [.init(name: expected[1].name, start: 150, frames: 90, record: 0)])

                let (status, _, body) = try await client.download("/v1/jobs/\(id)/timeline?format=aaf")
                #expect(status == .badRequest, "\(String(decoding: body, as: UTF8.self))")
            }
        }
    }

    /// Downloads `uri` to a file and reads it back with OpenTimelineIO.
    static func read(
        _ client: ServerHarness.Client, _ uri: String, _ format: String, _ rate: FrameRate, _ dir: String
    ) async throws -> Read {
        let (status, headers, body) = try await client.download(uri)
        #expect(status == .ok, "\(uri): \(String(decoding: body, as: UTF8.self))")
        #expect(headers[.contentDisposition]?.hasSuffix(".\(format)\"") == true)
        let file = dir + "/timeline-\(UUID().uuidString).\(format)"
        try body.write(to: URL(fileURLWithPath: file))
        let result = try Shell.run("python3", [script, file, format, "\(rate.fps)"])
        guard result.status == 0 else {
            throw TestFailure(
                "OpenTimelineIO could not read the \(format): \(result.stderr)\n\(String(decoding: body, as: UTF8.self))"
            )
        }
        return try JSONDecoder().decode(Read.self, from: result.stdout)
    }
}
