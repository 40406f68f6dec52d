import ClipGenCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

/// Crafted and damaged uploads through the live server with in-process workers: the server
/// stays up, and every job ends, succeeded or failed with a message a user can act on.
@Suite(.serialized) struct HostileInputTests {
    static let clearCodes: Set<String> = [
        "unsupported_media", "no_video_stream", "range_outside_media", "render_failed", "analysis_failed",
    ]

    @Test func craftedFilesNeverTakeTheServerDown() async throws {
        let valid = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try await TestMedia.shared.path("gop2s.mp4"))))
        let cases = HostileMedia.cases(from: valid)
        try await withTemporaryDirectory { dir in
            var configuration = ServerHarness.configuration(dataDir: dir + "/data")
            configuration.retry.maxAttempts = 1
            try await ServerHarness.run(configuration) { client in
                var outcomes: [String] = []
                for crafted in cases {
                    let (status, body) = try await client.uploadBytes(crafted.bytes)
                    guard status == .created, let upload = body["id"] as? String else {
                        // Only an empty body is refused at the door.
                        #expect(
                            crafted.bytes.isEmpty && status == .unprocessableContent,
                            "\(crafted): upload answered \(status)")
                        continue
                    }
                    // A rendered clip with analysis, and keyframe clips with posters (one copy pass).
                    for body in [
                        #"{"source":{"uploadId":"\#(upload)"},"clips":[{"start":0,"end":1}],"analyze":true}"#,
                        #"{"source":{"uploadId":"\#(upload)"},"output":{"mode":"keyframe"},"#
                            + #""clips":[{"start":0,"end":1},{"start":0.5,"end":1.5}]}"#,
                    ] {
                        let job = try await client.waitForJob(try await client.createJob(body))
                        let error = job["error"] as? [String: Any]
                        let message = error?["message"] as? String ?? ""
                        if job.status == "failed" {
                            #expect(Self.clearCodes.contains(job.errorCode ?? ""), "\(crafted): \(job)")
                            #expect(!message.isEmpty && !message.contains(dir), "\(crafted): \(message)")
                        } else {
                            #expect(job.status == "succeeded", "\(crafted): \(job)")
                        }
                        outcomes.append("\(crafted): \(job.status ?? "?") \(job.errorCode ?? "")")
                        try await client.expectHealthy()
                    }
                }
                #expect(outcomes.contains { $0.contains("failed") }, "\(outcomes)")
                print("hostile uploads:\n  " + outcomes.joined(separator: "\n  "))
            }
        }
    }

    @Test func playlistsCannotOpenOtherUploads() async throws {
        let secret = try await TestMedia.shared.path("gop2s.mp4")
        try await withTemporaryDirectory { dir in
            try await ServerHarness.run(ServerHarness.configuration(dataDir: dir + "/data")) { client in
                // Another upload, stored by its SHA-256, that the playlists name.
                let other = try await client.upload(secret)
                let (_, otherBody) = try await client.raw.execute(
                    uri: "/v1/uploads/\(other)", method: .get, headers: client.headers
                ) {
                    ($0.status, try ServerHarness.Client.object($0))
                }
                let sha = try #require(otherBody["sha256"] as? String)
                let stored = "../\(sha.prefix(2))/\(sha)"
                let playlists = [
                    "ffconcat version 1.0\nfile '\(stored)'\n"
                        + "file '\(dir)/data/blobs/uploads/\(sha.prefix(2))/\(sha)'\n",
                    "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:20\n#EXTINF:20.0,\n\(stored)\n#EXT-X-ENDLIST\n",
                    #"<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static"><Period>"#
                        + #"<AdaptationSet><Representation id="1" bandwidth="1"><BaseURL>\#(stored)</BaseURL>"#
                        + "</Representation></AdaptationSet></Period></MPD>\n",
                ]
                for playlist in playlists {
                    let (status, body) = try await client.uploadBytes(Array(playlist.utf8))
                    #expect(status == .created)
                    let upload = try #require(body["id"] as? String)
                    let job = try await client.waitForJob(
                        try await client.createJob(
                            #"{"source":{"uploadId":"\#(upload)"},"clips":[{"start":0,"end":1}]}"#))
                    #expect(
                        job.status == "failed" && job.errorCode == "unsupported_media", "\(playlist.prefix(10)): \(job)"
                    )
                    #expect(job.clips.isEmpty || job.clips.allSatisfy { $0["url"] == nil })
                }
                try await client.expectHealthy()
            }
        }
    }

    @Test func anOverflowingRequestIsRefusedAndTheServerStaysUp() async throws {
        try await withTemporaryDirectory { dir in
            try await ServerHarness.run(ServerHarness.configuration(dataDir: dir + "/data", workers: false)) { client in
                let upload = try await client.upload(try await TestMedia.shared.path("gop2s.mp4"))
                for body in [
                    #""highlights":{"count":9223372036854775807}"#,
                    #""clips":[{"start":0,"end":1}],"highlights":{"count":-9223372036854775808}"#,
                ] {
                    let status = try await client.raw.execute(
                        uri: "/v1/jobs", method: .post, headers: client.headers,
                        body: ByteBuffer(string: #"{"source":{"uploadId":"\#(upload)"},\#(body)}"#)
                    ) { $0.status }
                    #expect(status == .unprocessableContent)
                }
                try await client.expectHealthy()
            }
        }
    }
}

extension ServerHarness.Client {
    func expectHealthy() async throws {
        let status = try await raw.execute(uri: "/healthz", method: .get) { $0.status }
        #expect(status == .ok)
    }
}
