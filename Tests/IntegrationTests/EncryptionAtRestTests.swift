import BlobStorage
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PersistenceSQLite
import Server
import TestSupport
import Testing

/// Media sealed at rest through the whole service: uploads and clips on disk hold none of the
/// source's bytes, workers render from sealed sources, ranges of a sealed clip are its bytes, and
/// turning encryption on (then `clipgen admin rotate-keys`) loses nothing stored before.
@Suite(.serialized) struct EncryptionAtRestTests {
    static let keys = "k1:\(Data(repeating: 11, count: 32).base64EncodedString())"

    static func storedFiles(_ root: String) -> [String] {
        (FileManager.default.subpaths(atPath: root) ?? []).map { root + "/" + $0 }.filter {
            var directory: ObjCBool = false
            return FileManager.default.fileExists(atPath: $0, isDirectory: &directory) && !directory.boolValue
                && !$0.contains("/.tmp")
        }
    }

    static func contains(_ haystack: Data, _ needle: Data) -> Bool { haystack.range(of: needle) != nil }

    @Test func blobsStoredBeforeEncryptionAreResealedAndEverythingRendersFromSealedStorage() async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        let sourceBytes = try Data(contentsOf: URL(fileURLWithPath: source))
        let sample = sourceBytes.subdata(in: 20_000..<20_064)
        try await withTemporaryDirectory { dir in
            let data = dir + "/data"
            // Stored in the clear first.
            let upload = try await ServerHarness.run(ServerHarness.configuration(dataDir: data, workers: false)) {
                client in
                try await client.upload(source)
            }
            #expect(
                Self.storedFiles(data + "/blobs").contains {
                    Self.contains((try? Data(contentsOf: URL(fileURLWithPath: $0))) ?? Data(), sample)
                })

            let rotate = try Shell.run(
                "/usr/bin/env",
                [
                    "CLIPGEN_ENCRYPTION_KEYS=\(Self.keys)", "CLIPGEN_LOG_LEVEL=warning", TestMediaPaths.clipgen,
                    "admin", "rotate-keys", "--data-dir", data,
                ])
            #expect(rotate.status == 0, "\(rotate.stderr)")
            #expect(
                String(decoding: rotate.stdout, as: UTF8.self).hasPrefix("1 blobs sealed with key k1"),
                "\(String(decoding: rotate.stdout, as: UTF8.self))")

            // The service as `serve` builds it with encryption on: the local store, sealed.
            let configuration = ServerHarness.configuration(dataDir: data)
            let server = ClipGenServer(
                configuration: configuration, store: SQLiteJobStore(path: data + "/clipgen.sqlite"),
                blobs: EncryptedBlobStore(
                    base: LocalBlobStore(root: data + "/blobs"),
                    ring: try EncryptionKeyRing(entries: Self.keys, activeID: nil)))
            try await server.application(logger: ServerHarness.logger).test(.live) { raw in
                let client = try await ServerHarness.Client.signIn(raw)
                let second = try await client.upload(source)
                #expect(second == upload || !second.isEmpty)
                let id = try await client.createJob(
                    #"{"source":{"uploadId":"\#(upload)"},"output":{"mode":"keyframe"},"clips":[{"start":1,"end":3}]}"#)
                let job = try await client.waitForJob(id)
                #expect(job["status"] as? String == "succeeded", "\(job)")
                let clipURL = try #require((job["clips"] as? [[String: Any]])?.first?["url"] as? String)
                let (_, _, whole) = try await client.download(clipURL)
                #expect(whole.count > 1000)
                for range in [(0, 99), (1000, 5000), (whole.count - 10, whole.count - 1)] {
                    let (status, _, part) = try await client.download(clipURL, range: "bytes=\(range.0)-\(range.1)")
                    #expect(status == .partialContent && part == whole.subdata(in: range.0..<(range.1 + 1)), "\(range)")
                }
                let onDisk = Self.storedFiles(data + "/blobs")
                #expect(onDisk.count >= 2)
                for file in onDisk {
                    let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
                    #expect(
                        !Self.contains(bytes, sample) && !Self.contains(bytes, whole.subdata(in: 100..<164)),
                        "\(file) holds media in the clear")
                }
            }
        }
    }
}
