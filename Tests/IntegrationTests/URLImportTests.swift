import Foundation
import HTTPTypes
import NIOCore
import Outbound
import Server
import Testing
import TestSupport

/// `source.url` imports: fetched by the worker as the job's `import` stage from a real HTTP
/// server, with every address (and every redirect's) checked against the network policy.
@Suite(.serialized) struct URLImportTests {
    static func withMediaServer<T>(_ body: (_ port: Int) async throws -> T) async throws -> T {
        let media = try await TestMedia.shared.path("gop2s.mp4")
        let directory = URL(fileURLWithPath: media).deletingLastPathComponent().path
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts/media_server.py").path
        return try await withHelperScript(script, [directory]) { line in
            try await body(try #require(Int(line), "the media server said \(line)"))
        }
    }

    static func submit(_ client: ServerHarness.Client, url: String) async throws -> (HTTPResponse.Status, [String: Any]) {
        try await client.raw.execute(uri: "/v1/jobs", method: .post, headers: client.headers,
                                     body: ByteBuffer(string: #"{"source":{"url":"\#(url)"},"output":{"mode":"keyframe"},"clips":[{"start":1,"end":3}]}"#)) {
            ($0.status, (try? ServerHarness.Client.object($0)) ?? [:])
        }
    }

    @Test func aFileOnAnAllowedServerIsImportedThroughARedirectAndClipped() async throws {
        try await Self.withMediaServer { port in
            try await withTemporaryDirectory { dir in
                var configuration = ServerHarness.configuration(dataDir: dir + "/data")
                configuration.outbound.policy = try NetworkPolicy.parse("127.0.0.0/8").get()
                try await ServerHarness.run(configuration) { client in
                    let (status, created) = try await Self.submit(client, url: "http://127.0.0.1:\(port)/redirect-to/%2Fgop2s.mp4")
                    #expect(status == .accepted, "\(created)")
                    #expect(created["stage"] as? String == "import")
                    let id = try #require(created["id"] as? String)
                    let job = try await client.waitForJob(id)
                    #expect(job["status"] as? String == "succeeded", "\(job)")
                    #expect((job["clips"] as? [Any])?.count == 1)
                    let uploadId = try #require((job["source"] as? [String: Any])?["uploadId"] as? String, "the import became the job's source")
                    let upload = try await client.raw.execute(uri: "/v1/uploads/\(uploadId)", method: .get, headers: client.headers) {
                        try ServerHarness.Client.object($0)
                    }
                    let size = try FileManager.default.attributesOfItem(atPath: try await TestMedia.shared.path("gop2s.mp4"))[.size] as? Int
                    #expect(upload["filename"] as? String == "gop2s.mp4" && upload["size"] as? Int == size)

                    // A redirect to an address the policy does not allow fails the job, and says why.
                    let (_, refused) = try await Self.submit(client, url: "http://127.0.0.1:\(port)/redirect-to/http%3A%2F%2F10.1.2.3%2Fsecret")
                    let failed = try await client.waitForJob(try #require(refused["id"] as? String))
                    let error = failed["error"] as? [String: Any]
                    #expect(failed["status"] as? String == "failed" && error?["code"] as? String == "import_failed", "\(failed)")
                    #expect((error?["message"] as? String)?.contains("not a public address") == true, "\(failed)")
                }
            }
        }
    }

    @Test func loopbackPrivateLinkLocalAndMetadataAddressesAreRefusedWhenSubmitted() async throws {
        try await Self.withMediaServer { port in
            try await withTemporaryDirectory { dir in
                try await ServerHarness.run(ServerHarness.configuration(dataDir: dir + "/data", workers: false)) { client in
                    for url in ["http://127.0.0.1:\(port)/gop2s.mp4", "http://localhost:\(port)/gop2s.mp4", "http://[::1]:\(port)/gop2s.mp4",
                                "http://2130706433:\(port)/gop2s.mp4", "http://0177.0.0.1:\(port)/gop2s.mp4", "http://169.254.169.254/latest/meta-data/",
                                "http://10.0.0.1/video.mp4", "http://192.168.1.1/video.mp4", "http://[fe80::1]/video.mp4",
                                "http://[::ffff:127.0.0.1]:\(port)/gop2s.mp4", "ftp://example.com/video.mp4"] {
                        let (status, body) = try await Self.submit(client, url: url)
                        let fields = (body["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String }
                        #expect(status == .unprocessableContent && fields == ["source.url"], "\(url): \(status) \(body)")
                    }
                    let jobs = try await client.raw.execute(uri: "/v1/jobs", method: .get, headers: client.headers) {
                        (try ServerHarness.Client.object($0)["items"] as? [Any])?.count
                    }
                    #expect(jobs == 0, "no job was made")
                }
            }
        }
    }

    @Test func anImportLargerThanTheUploadLimitFails() async throws {
        try await Self.withMediaServer { port in
            try await withTemporaryDirectory { dir in
                var configuration = ServerHarness.configuration(dataDir: dir + "/data")
                configuration.outbound.policy = try NetworkPolicy.parse("127.0.0.0/8").get()
                configuration.api.maxUploadBytes = 1000
                try await ServerHarness.run(configuration) { client in
                    let (_, created) = try await Self.submit(client, url: "http://127.0.0.1:\(port)/gop2s.mp4")
                    let job = try await client.waitForJob(try #require(created["id"] as? String))
                    let error = job["error"] as? [String: Any]
                    #expect(job["status"] as? String == "failed" && error?["code"] as? String == "import_failed", "\(job)")
                    #expect((error?["message"] as? String)?.contains("larger than the limit") == true, "\(job)")
                    let uploads = try await client.raw.execute(uri: "/v1/uploads", method: .get, headers: client.headers) {
                        (try ServerHarness.Client.object($0)["items"] as? [Any])?.count
                    }
                    #expect(uploads == 0)
                }
                let leftovers = (FileManager.default.subpaths(atPath: dir + "/data") ?? []).filter { $0.contains("import-") }
                #expect(leftovers.isEmpty, "the partial download was removed: \(leftovers)")
            }
        }
    }
}
