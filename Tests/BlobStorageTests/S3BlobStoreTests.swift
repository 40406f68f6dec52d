import AsyncHTTPClient
import BlobStorage
import ClipGenCore
import Crypto
import Foundation
import NIOCore
import Synchronization
import TestSupport
import Testing

@testable import BlobStorageS3

/// What only the S3 store does, against SeaweedFS, which checks every signature: multipart
/// uploads (their parts, their abort), presigned URLs, refused credentials, an absent server.
@Suite(.enabled(if: TestServers.s3 != nil || TestServers.isCI)) struct S3BlobStoreTests {
    /// `count` chunks of `size` bytes, each byte its offset mod 251, so a misplaced part shows.
    static func pattern(
        chunks count: Int, of size: Int, failAfter: Int? = nil
    ) -> AsyncThrowingStream<ByteBuffer, any Error> {
        // Every chunk is a window on one cycle of 0...250, so generating them costs no per-byte work.
        let cycle = ByteBuffer(bytes: (0..<(size + 251)).map { UInt8($0 % 251) })
        return AsyncThrowingStream { continuation in
            for index in 0..<count {
                if index == failAfter {
                    continuation.finish(throwing: TestFailure("client went away"))
                    return
                }
                continuation.yield(cycle.getSlice(at: (index * size) % 251, length: size)!)
            }
            continuation.finish()
        }
    }

    static func expected(_ range: ClosedRange<Int>) -> [UInt8] { range.map { UInt8($0 % 251) } }

    func pendingUploads(_ store: S3BlobStore) async throws -> Int {
        let response = try await store.send(
            .GET, nil, query: [("uploads", ""), ("prefix", store.configuration.keyPrefix)])
        #expect(response.status == .ok)
        return String(buffer: try await response.body.collect(upTo: 1 << 20)).components(separatedBy: "<Upload>").count
            - 1
    }

    @Test func aLargeBodyGoesUpInPartsAndReadsBackByRange() async throws {
        let store = try await freshS3Store(partSize: 5 << 20)
        let key = try BlobKey("uploads/large")
        // 17 MiB in 700 KiB chunks: four parts, chunk and part boundaries not aligned.
        let chunk = 700 << 10
        let count = 25
        let info = try await store.put(key, from: Self.pattern(chunks: count, of: chunk), limit: nil)
        let total = chunk * count
        #expect(info.size == Int64(total))
        #expect(try await store.size(of: key) == Int64(total))
        let across = (5 << 20) - 10...(5 << 20) + 10
        let bytes = Mutex([UInt8]())
        try await store.get(key, range: Int64(across.lowerBound)...Int64(across.upperBound)).write { c in
            bytes.withLock { $0 += Array(buffer: c) }
        }
        #expect(bytes.withLock { $0 } == Self.expected(across), "the bytes either side of a part boundary")
        try await store.download(key, to: FileManager.default.temporaryDirectory.path + "/s3-\(UUID()).bin")
        #expect(try await pendingUploads(store) == 0)
        // The hash is of the whole body, as the local store computes it.
        let local = LocalBlobStore(root: FileManager.default.temporaryDirectory.path + "/s3-compare-\(UUID())")
        #expect(
            try await local.put(key, from: Self.pattern(chunks: count, of: chunk), limit: nil).sha256 == info.sha256)
    }

    @Test func aBodyThatFailsOrOverflowsMidMultipartIsAbortedAndTheOldBlobStays() async throws {
        let store = try await freshS3Store(partSize: 5 << 20)
        let key = try BlobKey("uploads/replaced")
        _ = try await store.put(key, from: chunks(["before"]), limit: nil)
        await #expect(throws: TestFailure.self) {
            try await store.put(key, from: Self.pattern(chunks: 20, of: 1 << 20, failAfter: 12), limit: nil)
        }
        await #expect(throws: BlobError.tooLarge(limit: 11 << 20)) {
            try await store.put(key, from: Self.pattern(chunks: 20, of: 1 << 20), limit: 11 << 20)
        }
        #expect(try await pendingUploads(store) == 0, "every started multipart upload was aborted")
        #expect(try await read(store.get(key, range: nil)) == "before")
    }

    @Test func aPresignedURLServesTheBlobWithoutCredentialsUntilItExpires() async throws {
        let store = try await freshS3Store()
        let key = try BlobKey("clips/job/0-task.mp4")
        _ = try await store.put(key, from: chunks(["the clip"]), limit: nil)
        let url = try #require(
            try await store.presignedURL(
                for: key, expires: .seconds(60), contentType: "video/mp4", filename: "best moment.mp4"))
        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: url.absoluteString), timeout: .seconds(120))
        #expect(response.status == .ok)
        #expect(response.headers.first(name: "content-type") == "video/mp4")
        #expect(response.headers.first(name: "content-disposition") == "attachment; filename=\"best moment.mp4\"")
        #expect(String(buffer: try await response.body.collect(upTo: 1024)) == "the clip")

        // Tampering with what was signed, or waiting past the expiry, is refused.
        let tampered = url.absoluteString.replacingOccurrences(of: "0-task.mp4", with: "1-task.mp4")
        #expect(
            try await HTTPClient.shared.execute(HTTPClientRequest(url: tampered), timeout: .seconds(120)).status
                == .forbidden)
        let brief = try #require(
            try await store.presignedURL(for: key, expires: .seconds(1), contentType: nil, filename: nil))
        try await Task.sleep(for: .seconds(2.2))
        #expect(
            try await HTTPClient.shared.execute(HTTPClientRequest(url: brief.absoluteString), timeout: .seconds(120))
                .status == .forbidden)
    }

    @Test func presignedURLsPointAtThePublicEndpointAndAreSignedForIt() async throws {
        let inner = try await freshS3Store()
        let key = try BlobKey("clips/job/0-public.mp4")
        _ = try await inner.put(key, from: chunks(["seen from outside"]), limit: nil)
        // The same server under another host name stands in for a public host or CDN.
        var outside = URLComponents(url: inner.configuration.endpoint, resolvingAgainstBaseURL: false)!
        #expect(outside.host == "127.0.0.1")
        outside.host = "localhost"
        var configuration = inner.configuration
        configuration.publicEndpoint = outside.url!
        let store = S3BlobStore(configuration: configuration)
        let url = try #require(
            try await store.presignedURL(for: key, expires: .seconds(60), contentType: nil, filename: nil))
        #expect(url.host == "localhost" && url.port == outside.port, "\(url)")
        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: url.absoluteString), timeout: .seconds(120))
        #expect(response.status == .ok)
        #expect(String(buffer: try await response.body.collect(upTo: 1024)) == "seen from outside")
        // Its signature covers the host: the same URL sent to the inside name is refused.
        let inside = url.absoluteString.replacingOccurrences(of: "//localhost:", with: "//127.0.0.1:")
        #expect(
            try await HTTPClient.shared.execute(HTTPClientRequest(url: inside), timeout: .seconds(120)).status
                == .forbidden)
        // The store's own requests still go to its endpoint.
        #expect(try await read(store.get(key, range: nil)) == "seen from outside")
    }

    func lifecycleRules(of store: S3BlobStore) async throws -> String {
        let response = try await store.send(.GET, nil, query: [("lifecycle", "")])
        return String(buffer: try await response.body.collect(upTo: 1 << 20))
    }

    @Test func aBucketWithoutRulesGetsOneThatAbortsUnfinishedUploadsAndRulesOfItsOwnAreKept() async throws {
        let bare = "clipgen-rules-" + TestServers.uniqueName()
        let rules = try await lifecycleRules(of: try await freshS3Store(bucket: bare, abortAfterDays: 2))
        #expect(rules.contains(S3BlobStore.lifecycleRuleID), "\(rules)")
        #expect(rules.contains("<DaysAfterInitiation>2</DaysAfterInitiation>"), "\(rules)")

        let owned = "clipgen-rules-" + TestServers.uniqueName()
        let operatorStore = try await freshS3Store(bucket: owned, abortAfterDays: nil)
        #expect(try await lifecycleRules(of: operatorStore).contains("NoSuchLifecycleConfiguration"), "left alone")
        let own = ByteBuffer(
            string: S3BlobStore.lifecycleConfiguration(prefix: "scratch/", days: 9).replacingOccurrences(
                of: S3BlobStore.lifecycleRuleID, with: "the-operators-own"))
        let put = try await operatorStore.send(
            .PUT, nil, query: [("lifecycle", "")],
            headers: [
                ("Content-MD5", Data(Insecure.MD5.hash(data: Data(own.readableBytesView))).base64EncodedString())
            ],
            body: own, payloadHash: SigV4Signer.hash(own))
        #expect(put.status == .ok || put.status == .noContent)
        let later = try await lifecycleRules(of: try await freshS3Store(bucket: owned))
        #expect(later.contains("the-operators-own") && !later.contains(S3BlobStore.lifecycleRuleID), "\(later)")
    }

    /// What backups between buckets of one service use: the store copies, the bytes arrive whole
    /// (a multipart object too), and a missing source is `notFound`.
    @Test func anObjectIsCopiedBetweenBucketsInsideTheStore() async throws {
        let source = try await freshS3Store(partSize: 5 << 20)
        let target = try await freshS3Store(bucket: "clipgen-copy-" + TestServers.uniqueName())
        #expect(target.canCopy(from: source))
        let key = try BlobKey("uploads/large")
        let info = try await source.put(key, from: Self.pattern(chunks: 12, of: 700 << 10), limit: nil)
        let copied = try BlobKey("blobs/uploads/large")
        try await target.copy(key, from: source, as: copied)
        let (size, sha256) = try await target.digest(of: copied)
        #expect(size == info.size && sha256 == info.sha256)
        await #expect(throws: BlobError.notFound("uploads/none")) {
            try await target.copy(try BlobKey("uploads/none"), from: source, as: copied)
        }
        var elsewhere = source.configuration
        elsewhere.endpoint = URL(string: "http://127.0.0.1:1")!
        #expect(!S3BlobStore(configuration: elsewhere).canCopy(from: source))
    }

    /// Region b's store: its own bucket, and region a's copied in beside it. A file of a's is
    /// read, sized, presigned and deleted through b's store; b's own files go to b's bucket only.
    @Test func anotherRegionsBucketIsReadWhenAKeyIsNotInTheOwnOne() async throws {
        let regionA = try await freshS3Store(bucket: "clipgen-region-a")
        var configuration = regionA.configuration
        configuration.bucket = "clipgen-region-b"
        configuration.replicaBuckets = [regionA.configuration.bucket]
        let regionB = S3BlobStore(configuration: configuration)
        try await regionB.prepare()
        let fromA = try BlobKey("clips/job-a/0.mp4")
        _ = try await regionA.put(fromA, from: chunks(["made in a"]), limit: nil)
        #expect(try await regionB.size(of: fromA) == 9)
        #expect(try await read(try await regionB.get(fromA, range: 5...8)) == "in a")
        try await withTemporaryDirectory { dir in
            try await regionB.download(fromA, to: dir + "/copy")
            #expect(try String(contentsOfFile: dir + "/copy", encoding: .utf8) == "made in a")
        }
        let url = try #require(
            try await regionB.presignedURL(for: fromA, expires: .seconds(60), contentType: nil, filename: nil))
        #expect(url.path.hasPrefix("/clipgen-region-a/"))
        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: url.absoluteString), timeout: .seconds(120))
        #expect(String(buffer: try await response.body.collect(upTo: 1024)) == "made in a")

        let fromB = try BlobKey("clips/job-b/0.mp4")
        _ = try await regionB.put(fromB, from: chunks(["made in b"]), limit: nil)
        #expect(try await regionA.size(of: fromB) == nil, "b writes to its own bucket only")
        #expect(
            try await regionB.presignedURL(for: fromB, expires: .seconds(60), contentType: nil, filename: nil)?.path
                .hasPrefix("/clipgen-region-b/") == true)
        #expect(try await regionB.keys(startingWith: "clips/") == [fromB], "listing is of the own bucket")

        try await regionB.delete(fromA)
        #expect(try await regionA.size(of: fromA) == nil)
        await #expect(throws: BlobError.notFound(fromA.rawValue)) { _ = try await regionB.get(fromA, range: nil) }
        await #expect(throws: BlobError.self) {
            try await withTemporaryDirectory { dir in try await regionB.download(fromA, to: dir + "/gone") }
        }
    }

    @Test func aWrongSecretIsRefusedWithAMessageThatNamesNoSecret() async throws {
        let error = await #expect(throws: S3Error.self) { try await freshS3Store(secret: "not-the-secret") }
        #expect(error == .refused(code: "SignatureDoesNotMatch"))
        #expect(error.map { "\($0)" }?.contains("not-the-secret") == false)
    }

    @Test func anAbsentServerIsUnavailableNotAHang() async throws {
        // A port nothing listens on.
        let configuration = S3Configuration(
            endpoint: URL(string: "http://127.0.0.1:9")!, bucket: "absent", accessKeyID: "a", secretAccessKey: "b")
        let store = S3BlobStore(configuration: configuration)
        let started = ContinuousClock.now
        await #expect(throws: BlobError.self) { try await store.prepare(patience: .seconds(1)) }
        await #expect(throws: BlobError.self) { try await store.size(of: try BlobKey("uploads/x")) }
        #expect(await store.isReachable() == false)
        #expect(ContinuousClock.now - started < .seconds(120), "answered, not hung (a hang guard, not a speed bound)")
    }
}
