import ClipGenCore
import Foundation
import HTTPTypes
import NIOCore
import Outbound
import Persistence
import Server
import TestSupport
import Testing

@testable import API

/// `source.url` imports: fetched by the worker as the job's `import` stage from a real HTTP
/// server, with every address (and every redirect's) checked against the network policy.
@Suite(.serialized) struct URLImportTests {
    static func withMediaServer<T>(_ body: (_ port: Int) async throws -> T) async throws -> T {
        let media = try await TestMedia.shared.path("gop2s.mp4")
        let directory = URL(fileURLWithPath: media).deletingLastPathComponent().path
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Scripts/media_server.py"
        ).path
        return try await withHelperScript(script, [directory]) { line in
            try await body(try #require(Int(line), "the media server said \(line)"))
        }
    }

    static func body(url: String) -> String {
        #"{"source":{"url":"\#(url)"},"output":{"mode":"keyframe"},"clips":[{"start":1,"end":3}]}"#
    }

    static func submit(_ client: ServerHarness.Client, url: String) async throws -> (HTTPResponse.Status, [String: Any])
    {
        try await client.raw.execute(
            uri: "/v1/jobs", method: .post, headers: client.headers, body: ByteBuffer(string: body(url: url))
        ) {
            ($0.status, (try? ServerHarness.Client.object($0)) ?? [:])
        }
    }

    @Test func aFileOnAnAllowedServerIsImportedThroughARedirectAndClipped() async throws {
        try await Self.withMediaServer { port in
            try await withTemporaryDirectory { dir in
                var configuration = ServerHarness.configuration(dataDir: dir + "/data")
                configuration.outbound.policy = try NetworkPolicy.parse("127.0.0.0/8").get()
                try await ServerHarness.run(configuration) { client in
                    let (status, created) = try await Self.submit(
                        client, url: "http://127.0.0.1:\(port)/redirect-to/%2Fgop2s.mp4")
                    #expect(status == .accepted, "\(created)")
                    #expect(created["stage"] as? String == "import")
                    let id = try #require(created["id"] as? String)
                    let job = try await client.waitForJob(id)
                    #expect(job["status"] as? String == "succeeded", "\(job)")
                    #expect((job["clips"] as? [Any])?.count == 1)
                    let uploadId = try #require(
                        (job["source"] as? [String: Any])?["uploadId"] as? String, "the import became the job's source")
                    let upload = try await client.raw.execute(
                        uri: "/v1/uploads/\(uploadId)", method: .get, headers: client.headers
                    ) {
                        try ServerHarness.Client.object($0)
                    }
                    let size =
                        try FileManager.default.attributesOfItem(atPath: try await TestMedia.shared.path("gop2s.mp4"))[
                            .size] as? Int
                    #expect(upload["filename"] as? String == "gop2s.mp4" && upload["size"] as? Int == size)

                    // A redirect to an address the policy does not allow fails the job, and says why.
                    let (_, refused) = try await Self.submit(
                        client, url: "http://127.0.0.1:\(port)/redirect-to/http%3A%2F%2F10.1.2.3%2Fsecret")
                    let failed = try await client.waitForJob(try #require(refused["id"] as? String))
                    let error = failed["error"] as? [String: Any]
                    #expect(
                        failed["status"] as? String == "failed" && error?["code"] as? String == "import_failed",
                        "\(failed)")
                    #expect((error?["message"] as? String)?.contains("not a public address") == true, "\(failed)")
                }
            }
        }
    }

    @Test func loopbackPrivateLinkLocalAndMetadataAddressesAreRefusedWhenSubmitted() async throws {
        try await Self.withMediaServer { port in
            try await withTemporaryDirectory { dir in
                try await ServerHarness.run(ServerHarness.configuration(dataDir: dir + "/data", workers: false)) {
                    client in
                    for url in [
                        "http://127.0.0.1:\(port)/gop2s.mp4", "http://localhost:\(port)/gop2s.mp4",
                        "http://[::1]:\(port)/gop2s.mp4",
                        "http://2130706433:\(port)/gop2s.mp4", "http://0177.0.0.1:\(port)/gop2s.mp4",
                        "http://169.254.169.254/latest/meta-data/",
                        "http://10.0.0.1/video.mp4", "http://192.168.1.1/video.mp4", "http://[fe80::1]/video.mp4",
                        "http://[::ffff:127.0.0.1]:\(port)/gop2s.mp4", "ftp://example.com/video.mp4",
                    ] {
                        let (status, body) = try await Self.submit(client, url: url)
                        let fields = (body["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String }
                        #expect(
                            status == .unprocessableContent && fields == ["source.url"], "\(url): \(status) \(body)")
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
                    #expect(
                        job["status"] as? String == "failed" && error?["code"] as? String == "quota_exceeded", "\(job)")
                    #expect(
                        (error?["message"] as? String)?.contains(
                            "larger than your organisation's upload limit of 1000 bytes") == true, "\(job)")
                    let uploads = try await client.raw.execute(
                        uri: "/v1/uploads", method: .get, headers: client.headers
                    ) {
                        (try ServerHarness.Client.object($0)["items"] as? [Any])?.count
                    }
                    #expect(uploads == 0)
                }
                let leftovers = (FileManager.default.subpaths(atPath: dir + "/data") ?? []).filter {
                    $0.contains("import-")
                }
                #expect(leftovers.isEmpty, "the partial download was removed: \(leftovers)")
            }
        }
    }

    /// Round 3's M4 (a): imports were held to the service-wide upload limit only, so an
    /// organisation at 100 kB uploads and 200 kB storage imported 3.5 MB.
    @Test func importsAreHeldToTheOrganisationsUploadLimitAndStorageRoom() async throws {
        try await Self.withMediaServer { port in
            try await withTemporaryDirectory { dir in
                var configuration = ServerHarness.configuration(dataDir: dir + "/data")
                configuration.outbound.policy = try NetworkPolicy.parse("127.0.0.0/8").get()
                try await ServerHarness.run(configuration) { client, server in
                    let me = try await client.raw.execute(uri: "/v1/me", method: .get, headers: client.headers) {
                        try ServerHarness.Client.object($0)
                    }
                    let organization = OrganizationID(rawValue: try #require(me["organizationId"] as? String))
                    let size = Int64(
                        try FileManager.default.attributesOfItem(atPath: try await TestMedia.shared.path("gop2s.mp4"))[
                            .size] as? Int ?? 0)
                    func importFails(_ code: String, saying words: String) async throws {
                        let (status, created) = try await Self.submit(client, url: "http://127.0.0.1:\(port)/gop2s.mp4")
                        #expect(status == .accepted, "\(created)")
                        let job = try await client.waitForJob(try #require(created["id"] as? String))
                        let error = job["error"] as? [String: Any]
                        #expect(job["status"] as? String == "failed" && error?["code"] as? String == code, "\(job)")
                        #expect((error?["message"] as? String)?.contains(words) == true, "\(job)")
                    }
                    try await server.store.setQuotas(
                        OrganizationQuotas(uploadBytes: size / 2), organizationId: organization)
                    try await importFails("quota_exceeded", saying: "upload limit of \(size / 2) bytes")
                    // Room for the job's expected clips but not for its source as well.
                    let request = try JSONDecoder().decode(
                        JobRequest.self, from: Data(Self.body(url: "http://127.0.0.1:\(port)/gop2s.mp4").utf8))
                    let expected = OutputEstimate.bytes(for: request, source: nil)
                    let room: Int64 = 50_000_000
                    let held = room - expected - size / 2
                    try await server.store.setQuotas(
                        OrganizationQuotas(storedBytes: room), organizationId: organization)
                    #expect(
                        try await server.store.reserveStorage(
                            StorageReservation(
                                id: "held", organizationId: organization, bytes: held,
                                expiresAt: Date().addingTimeInterval(600)), limit: room))
                    try await importFails("quota_exceeded", saying: "storage quota")
                    let uploads = try await client.raw.execute(
                        uri: "/v1/uploads", method: .get, headers: client.headers
                    ) {
                        (try ServerHarness.Client.object($0)["items"] as? [Any])?.count
                    }
                    #expect(uploads == 0, "nothing was stored")
                    #expect(
                        try await server.store.usage(organizationId: organization).storedBytes == held,
                        "no import or failed job holds room")
                    // With room, the same import succeeds and counts.
                    try await server.store.releaseStorage(id: "held")
                    let (_, created) = try await Self.submit(client, url: "http://127.0.0.1:\(port)/gop2s.mp4")
                    let job = try await client.waitForJob(try #require(created["id"] as? String))
                    #expect(job["status"] as? String == "succeeded", "\(job)")
                    #expect(try await server.store.usage(organizationId: organization).storedBytes >= size)
                }
            }
        }
    }
}
