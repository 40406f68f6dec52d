import Foundation
import HTTPTypes
import TestSupport
import Testing

/// `frames` through the API: every frame is the one on screen at its time (by PSNR against a
/// decode of the source), listed, downloadable alone and as a zip, in the format and width asked.
@Suite(.serialized) struct FrameExtractionTests {
    /// The source frame on screen at `time` in a 30 fps file: index floor(time × 30).
    static func sourceFrame(at time: Double) -> Int { Int((time * 30 + 1e-6).rounded(.down)) }

    func run(
        _ frames: String, dir: String,
        _ check: @Sendable @escaping (ServerHarness.Client, [String: Any], String) async throws -> Void
    ) async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        try await ServerHarness.run(ServerHarness.configuration(dataDir: dir + "/data")) { client in
            let id = try await client.createJob(
                #"{"source":{"uploadId":"\#(try await client.upload(source))"},"frames":\#(frames)}"#)
            let job = try await client.waitForJob(id)
            #expect(job.status == "succeeded", "\(job)")
            #expect(job["framesUrl"] as? String == "/v1/jobs/\(id)/frames")
            let list = try await client.getJSON("/v1/jobs/\(id)/frames")
            try await check(client, list, id)
        }
    }

    @Test func framesAtGivenTimesAreTheFramesOnScreenThen() async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        try await withTemporaryDirectory { dir in
            // Mid-frame, on a frame's start, and just before the next one.
            let times = [1.5, 7.01, 12.0, 15.032]
            try await run(#"{"at":[15.032,1.5,7.01,12.0],"format":"png"}"#, dir: dir) { client, list, _ in
                let frames = list["frames"] as? [[String: Any]] ?? []
                #expect(frames.compactMap { $0["time"] as? Double } == times)
                #expect(list["contentType"] as? String == "image/png")
                for (frame, time) in zip(frames, times) {
                    let file = dir + "/frame-\(time).png"
                    let (status, headers, data) = try await client.download(frame["url"] as? String ?? "")
                    #expect(status == .ok && headers[.contentType] == "image/png")
                    try data.write(to: URL(fileURLWithPath: file))
                    #expect(try MediaMeasure.size(file) == (640, 360))
                    let picture = try FrameCompare.frame(file, index: 0)
                    let expected = Self.sourceFrame(at: time)
                    let errors = try [expected - 1, expected, expected + 1].map {
                        FrameCompare.meanSquaredError(picture, try FrameCompare.frame(source, index: $0))
                    }
                    #expect(errors[1] < 2 && errors[1] < errors[0] && errors[1] < errors[2], "\(time): \(errors)")
                }
            }
        }
    }

    @Test func framesEveryTwoSecondsComeAsAZipAtTheWidthAsked() async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        try await withTemporaryDirectory { dir in
            try await run(#"{"every":2,"width":320}"#, dir: dir) { client, list, id in
                let frames = list["frames"] as? [[String: Any]] ?? []
                #expect(frames.compactMap { $0["time"] as? Double } == stride(from: 0.0, to: 20, by: 2).map { $0 })
                #expect(frames.allSatisfy { $0["width"] as? Int == 320 && $0["height"] as? Int == 180 })
                let (status, _, zip) = try await client.download("/v1/jobs/\(id)/frames.zip")
                #expect(status == .ok)
                let archive = dir + "/frames.zip"
                try zip.write(to: URL(fileURLWithPath: archive))
                let listing = try Shell.run(
                    "python3",
                    [
                        "-c",
                        "import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); z.testzip() is None or sys.exit(1); print('\\n'.join(z.namelist())); z.extractall(sys.argv[2])",
                        archive, dir + "/unzipped",
                    ])
                #expect(listing.status == 0, "\(listing.stderr)")
                let names = String(decoding: listing.stdout, as: UTF8.self).split(separator: "\n").map(String.init)
                #expect(names.count == 10 && names.first == "frame-0000-0.000s.jpg", "\(names)")
                for (index, name) in names.enumerated() {
                    let file = dir + "/unzipped/" + name
                    #expect(try MediaMeasure.size(file) == (320, 180))
                    let picture = try FrameCompare.frame(file, index: 0)
                    let expected = Self.sourceFrame(at: Double(index) * 2)
                    let errors = try [expected, expected + 1].map {
                        FrameCompare.meanSquaredError(picture, try FrameCompare.frame(source, index: $0))
                    }
                    #expect(errors[0] < errors[1], "frame \(index): \(errors)")
                }
            }
        }
    }

    @Test func oneFramePerShot() async throws {
        try await withTemporaryDirectory { dir in
            let source = try await TestMedia.shared.path("cuts.mp4")
            try await ServerHarness.run(ServerHarness.configuration(dataDir: dir + "/data")) { client in
                let id = try await client.createJob(
                    #"{"source":{"uploadId":"\#(try await client.upload(source))"},"frames":{"shots":true,"format":"webp"}}"#
                )
                let job = try await client.waitForJob(id)
                #expect(job.status == "succeeded", "\(job)")
                let frames = try await client.getJSON("/v1/jobs/\(id)/frames")["frames"] as? [[String: Any]] ?? []
                // Cuts at 3 s and 6 s: three shots, a frame from the middle of each.
                #expect(
                    frames.compactMap { $0["time"] as? Double }.map { ($0 * 10).rounded() / 10 } == [1.5, 4.5, 7.5])
                let (status, _, data) = try await client.download(frames.first?["url"] as? String ?? "")
                #expect(status == .ok && data.prefix(4) == Data("RIFF".utf8))
                // Deleting the job removes its frames.
                try await client.delete("/v1/jobs/\(id)")
                let root = dir + "/data/blobs/jobs"
                let left = (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).filter {
                    let attributes = try? FileManager.default.attributesOfItem(atPath: root + "/" + $0)
                    return $0.contains("frame") && attributes?[.type] as? FileAttributeType == .typeRegular
                }
                #expect(left.isEmpty, "\(left)")
            }
        }
    }

    @Test func aBadFramesRequestIsRefusedNamingTheField() async throws {
        try await withTemporaryDirectory { dir in
            try await ServerHarness.run(ServerHarness.configuration(dataDir: dir + "/data")) { client in
                let upload = try await client.upload(try await TestMedia.shared.path("gop2s.mp4"))
                let (status, body) = try await client.postJSON(
                    "/v1/jobs", #"{"source":{"uploadId":"\#(upload)"},"frames":{"every":2,"at":[1],"width":33}}"#)
                #expect(status == 422)
                let fields = (body["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
                #expect(Set(fields) == ["frames", "frames.width"], "\(body)")
            }
        }
    }
}
