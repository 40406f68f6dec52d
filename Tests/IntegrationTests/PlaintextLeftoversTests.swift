import Foundation
import TestSupport
import Testing

/// What a worker leaves on disk, with the real binary as an operator runs it: users' files in
/// the clear only where nobody else can read them, only while they are needed; and a sealed file
/// that was tampered with is refused, never served cut short as if whole.
@Suite(.serialized) struct PlaintextLeftoversTests {
    static let keys = "k1:\(Data(repeating: 11, count: 32).base64EncodedString())"

    /// A server on `data` with its scratch space elsewhere (a mounted volume), signed in.
    static func withServer(
        _ dir: String, encrypted: Bool,
        _ body: (_ base: String, _ token: String, _ api: ClipGenProcess) async throws -> Void
    )
        async throws
    {
        let port = ClipGenProcess.freePort()
        var environment = [
            "CLIPGEN_DATA_DIR": dir + "/data", "CLIPGEN_SCRATCH_DIR": dir + "/scratch",
            "CLIPGEN_ADMIN_PASSWORD": "leftovers-test",
            "CLIPGEN_BCRYPT_COST": "4", "CLIPGEN_LOG_LEVEL": "warning", "CLIPGEN_SOURCE_SWEEP_SECONDS": "0.2",
            "CLIPGEN_POLL_SECONDS": "0.1",
        ]
        if encrypted { environment["CLIPGEN_ENCRYPTION_KEYS"] = keys }
        let api = try ClipGenProcess(["serve", "--port", "\(port)"], environment: environment, log: dir + "/api.log")
        let base = "http://127.0.0.1:\(port)"
        #expect(try await eventually { (try? Curl.call(base + "/healthz"))?.status == 200 }, "\(api.output)")
        let token = try #require(
            try Curl.signIn(base, password: "leftovers-test"))
        try await body(base, token, api)
        #expect(await api.stop() == 0)
    }

    static func files(under root: String) -> [String] {
        (FileManager.default.subpaths(atPath: root) ?? []).map { root + "/" + $0 }.filter {
            var directory: ObjCBool = false
            return FileManager.default.fileExists(atPath: $0, isDirectory: &directory) && !directory.boolValue
        }
    }

    static func mode(_ path: String) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
    }

    static func runJob(_ base: String, _ token: String, upload: String) async throws -> String {
        let created = try Curl.call(
            base + "/v1/jobs", method: "POST", token: token,
            json: #"{"source":{"uploadId":"\#(upload)"},"output":{"mode":"keyframe"},"clips":[{"start":1,"end":3}]}"#)
        let job = try #require(created.json["id"] as? String, "\(created.json)")
        #expect(
            try await eventually {
                (try Curl.call(base + "/v1/jobs/\(job)", token: token).json["status"] as? String) == "succeeded"
            })
        return job
    }

    /// Round 3's M7 (b, c): a deleted upload's bytes stayed in the worker's source cache, and a
    /// scratch directory outside the data directory was world-readable (755 and 644).
    @Test func cachedCopiesAreTheOwnersAloneAndGoWhenTheirUploadIsDeleted() async throws {
        let marker = Data("UNIQUE-MARKER-7781".utf8)
        try await withTemporaryDirectory { dir in
            let source = dir + "/marked.mp4"
            try (try Data(contentsOf: URL(fileURLWithPath: try await TestMedia.shared.path("gop2s.mp4"))) + marker)
                .write(to: URL(fileURLWithPath: source))
            try await Self.withServer(dir, encrypted: false) { base, token, _ in
                let upload = try #require(
                    try Curl.call(base + "/v1/uploads", method: "POST", token: token, file: source).json["id"]
                        as? String)
                let job = try await Self.runJob(base, token, upload: upload)
                let cached = Self.files(under: dir + "/scratch").filter {
                    (try? Data(contentsOf: URL(fileURLWithPath: $0)))?.range(of: marker) != nil
                }
                #expect(!cached.isEmpty, "the source is cached while its upload lives")
                for file in Self.files(under: dir + "/scratch") {
                    #expect(Self.mode(file) == 0o600, "\(file): \(String(Self.mode(file), radix: 8))")
                }
                let worker = try #require(try FileManager.default.contentsOfDirectory(atPath: dir + "/scratch").first)
                #expect(Self.mode(dir + "/scratch/" + worker) == 0o700)
                #expect(Self.mode(dir + "/scratch/" + worker + "/sources") == 0o700)
                #expect(try Curl.call(base + "/v1/jobs/\(job)", method: "DELETE", token: token).status == 204)
                #expect(try Curl.call(base + "/v1/uploads/\(upload)", method: "DELETE", token: token).status == 204)
                #expect(
                    try await eventually {
                        Self.files(under: dir + "/scratch").allSatisfy {
                            (try? Data(contentsOf: URL(fileURLWithPath: $0)))?.range(of: marker) == nil
                        }
                    }, "the deleted upload's bytes left the cache: \(Self.files(under: dir + "/scratch"))")
            }
        }
    }

    /// Round 3's M7 (a): with encryption at rest, decrypted sources and clips stayed in the
    /// worker's cache after their tasks, and after their job and upload were deleted.
    @Test func withEncryptionAtRestNothingDecryptedOutlivesItsTask() async throws {
        let media = try Data(contentsOf: URL(fileURLWithPath: try await TestMedia.shared.path("gop2s.mp4")))
        let sample = media.subdata(in: 20_000..<20_064)
        try await withTemporaryDirectory { dir in
            try await Self.withServer(dir, encrypted: true) { base, token, _ in
                let upload = try #require(
                    try Curl.call(
                        base + "/v1/uploads", method: "POST", token: token,
                        file: try await TestMedia.shared.path("gop2s.mp4")
                    ).json["id"] as? String)
                _ = try await Self.runJob(base, token, upload: upload)
                let left = Self.files(under: dir + "/scratch").filter { file in
                    guard let bytes = try? Data(contentsOf: URL(fileURLWithPath: file)) else { return false }
                    return bytes.range(of: sample) != nil || bytes.range(of: Data("ftyp".utf8)) != nil
                }
                #expect(left.isEmpty, "decrypted media left after the job: \(left)")
            }
        }
    }

    /// Round 3's L9: a tampered sealed file was answered 200 and cut off after 64 KiB, logged as a
    /// success with its full size.
    @Test func aTamperedSealedFileIsRefusedOrResetAndReported() async throws {
        let media = try await TestMedia.shared.path("gop2s.mp4")
        let size = try Data(contentsOf: URL(fileURLWithPath: media)).count
        try await withTemporaryDirectory { dir in
            try await Self.withServer(dir, encrypted: true) { base, token, api in
                let upload = try #require(
                    try Curl.call(base + "/v1/uploads", method: "POST", token: token, file: media).json["id"] as? String
                )
                let stored = dir + "/data/blobs/uploads/" + upload
                var sealed = [UInt8](try Data(contentsOf: URL(fileURLWithPath: stored)))
                let content = base + "/v1/uploads/\(upload)/content"
                // A byte of the second chunk: the head is already out when it is found.
                sealed[70_000] ^= 0x01
                try Data(sealed).write(to: URL(fileURLWithPath: stored))
                let cut = try Shell.run(
                    "curl",
                    [
                        "-s", "-o", dir + "/got", "-w", "%{http_code} %{size_download}", "-H",
                        "Authorization: Bearer \(token)", content,
                    ])
                let got = String(decoding: cut.stdout, as: UTF8.self).split(separator: " ")
                #expect(cut.status != 0, "curl saw the transfer fail (\(cut.status)), not a clean end")
                #expect(Int(got.last ?? "") ?? size < size, "\(got)")
                // A byte of the first chunk: refused before any of it is sent.
                sealed[70_000] ^= 0x01
                sealed[200] ^= 0x01
                try Data(sealed).write(to: URL(fileURLWithPath: stored))
                let refused = try Curl.call(content, token: token, headers: ["Accept: application/json"])
                #expect(
                    refused.status == 503
                        && refused.json["detail"] as? String
                            == "the stored file failed its integrity check; the operator has been told",
                    "\(refused.status) \(refused.json)")
                #expect(
                    !String(decoding: refused.body, as: UTF8.self).contains("uploads/"),
                    "no blob key reaches the client")
                let metrics = String(decoding: try Curl.call(base + "/metrics").body, as: UTF8.self)
                #expect(
                    metrics.contains("blob_integrity_failures_total 2"),
                    "\(metrics.split(separator: "\n").filter { $0.contains("integrity") })")
                #expect(
                    api.output.components(separatedBy: "a stored file failed its integrity check").count - 1 == 2,
                    "\(api.output)")
                #expect(api.output.contains("uploads/\(upload)"), "the warning names the blob")
            }
        }
    }
}
