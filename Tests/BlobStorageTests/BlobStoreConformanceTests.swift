import BlobStorage
import BlobStorageS3
import ClipGenCore
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import TestSupport
import Testing

/// One suite for every `BlobStore`; a new backend adds itself to `all`.
struct BlobBackend: Sendable, CustomTestStringConvertible {
    var name: String
    /// A store no other test shares, prepared.
    var make: @Sendable (_ directory: String) async throws -> any BlobStoreBackend
    var testDescription: String { name }

    static let all: [BlobBackend] =
        [
            BlobBackend(name: "local") { dir in
                let store = LocalBlobStore(root: dir + "/blobs")
                try await store.prepare()
                return store
            },
            BlobBackend(name: "memory") { _ in MemoryBlobStore() },
            // Small chunks, so the suite's bodies span many of them and ranges cross their edges.
            BlobBackend(name: "local, encrypted") { dir in
                let store = LocalBlobStore(root: dir + "/blobs")
                try await store.prepare()
                return EncryptedBlobStore(base: store, ring: try testKeyRing(), chunkSize: 1000)
            },
        ]
        + (TestServers.s3 == nil
            ? []
            : [
                BlobBackend(name: "S3") { _ in try await freshS3Store() },
                BlobBackend(name: "S3, encrypted") { _ in
                    EncryptedBlobStore(base: try await freshS3Store(), ring: try testKeyRing(), chunkSize: 1000)
                },
            ])
}

/// Two keys, `k2` active: blobs sealed with `k1` must still open.
func testKeyRing(active: String = "k2") throws -> EncryptionKeyRing {
    try EncryptionKeyRing(
        entries:
            """
            k1:\(Data(repeating: 1, count: 32).base64EncodedString()),\
            k2:\(Data(repeating: 2, count: 32).base64EncodedString())
            """,
        activeID: active)
}

/// An S3 store on the test server, under a key prefix of its own in the tests' bucket (SeaweedFS
/// gives every bucket volumes of its own, so a bucket per test would exhaust them).
func freshS3Store(
    partSize: Int = 5 << 20, secret: String? = nil, bucket: String = "clipgen-tests", abortAfterDays: Int? = 1
) async throws -> S3BlobStore {
    guard let server = TestServers.s3 else { throw TestServerMissing(name: "SeaweedFS (S3)") }
    var configuration = S3Configuration(
        endpoint: server.endpoint, bucket: bucket, accessKeyID: server.accessKey,
        secretAccessKey: secret ?? server.secretKey)
    configuration.keyPrefix = TestServers.uniqueName() + "/"
    configuration.partSize = partSize
    configuration.abortIncompleteUploadsDays = abortAfterDays
    let store = S3BlobStore(configuration: configuration)
    try await store.prepare()
    return store
}

func chunks(_ parts: [String]) -> AsyncThrowingStream<ByteBuffer, any Error> {
    AsyncThrowingStream { continuation in
        for part in parts { continuation.yield(ByteBuffer(string: part)) }
        continuation.finish()
    }
}

func read(_ body: BlobBody) async throws -> String {
    let collected = Mutex("")
    try await body.write { chunk in collected.withLock { $0 += String(buffer: chunk) } }
    return collected.withLock { $0 }
}

@Suite struct BlobStoreConformanceTests {
    @Test(arguments: BlobBackend.all)
    func putHashesOnTheWayAndGetReadsRanges(backend: BlobBackend) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await backend.make(dir)
            let key = try BlobKey("uploads/a")
            let info = try await store.put(key, from: chunks(["hello ", "world"]), limit: nil)
            #expect(
                info
                    == BlobInfo(
                        key: key, size: 11, sha256: "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"))
            #expect(try await read(store.get(key, range: nil)) == "hello world")
            #expect(try await read(store.get(key, range: 2...5)) == "llo ")
            #expect(try await store.get(key, range: 2...5).length == 4)
            await #expect(throws: BlobError.rangeNotSatisfiable(size: 11)) { try await store.get(key, range: 5...11) }
            await #expect(throws: BlobError.notFound("uploads/none")) {
                try await store.get(try BlobKey("uploads/none"), range: nil)
            }
            #expect(try await store.size(of: key) == 11)
            _ = try await store.put(key, from: chunks(["replaced"]), limit: nil)
            #expect(try await read(store.get(key, range: nil)) == "replaced")
        }
    }

    @Test(arguments: BlobBackend.all)
    func overTheLimitOrAFailingBodyLeavesNothingBehind(backend: BlobBackend) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await backend.make(dir)
            let key = try BlobKey("uploads/big")
            await #expect(throws: BlobError.tooLarge(limit: 5)) {
                try await store.put(key, from: chunks(["abc", "def"]), limit: 5)
            }
            let failing = AsyncThrowingStream<ByteBuffer, any Error> { continuation in
                continuation.yield(ByteBuffer(string: "partial"))
                continuation.finish(throwing: TestFailure("client went away"))
            }
            await #expect(throws: TestFailure.self) { try await store.put(key, from: failing, limit: nil) }
            #expect(try await store.size(of: key) == nil)
            let leftovers = (FileManager.default.enumerator(atPath: dir)?.allObjects as? [String] ?? [])
                .filter {
                    !((try? FileManager.default.attributesOfItem(atPath: dir + "/" + $0)[.type] as? FileAttributeType)
                        == .typeDirectory)
                }
            #expect(leftovers.isEmpty, "\(leftovers)")
        }
    }

    @Test(arguments: BlobBackend.all)
    func importDownloadAndDelete(backend: BlobBackend) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await backend.make(dir)
            let source = dir + "/render.mp4"
            try Data("clip".utf8).write(to: URL(fileURLWithPath: source))
            let key = try BlobKey("clips/job/0-task.mp4")
            let info = try await store.importFile(at: source, as: key)
            #expect(info.size == 4 && !FileManager.default.fileExists(atPath: source))
            try await store.download(key, to: dir + "/copy.mp4")
            #expect(try String(contentsOfFile: dir + "/copy.mp4", encoding: .utf8) == "clip")
            try await store.delete(key)
            try await store.delete(key)
            #expect(try await store.size(of: key) == nil)
            await #expect(throws: BlobError.notFound(key.rawValue)) {
                try await store.download(key, to: dir + "/gone.mp4")
            }
            // Only a remote store signs URLs; the others leave the streaming to the API.
            let signed = try await store.presignedURL(for: key, expires: .seconds(60), contentType: nil, filename: nil)
            #expect((signed != nil) == (backend.name == "S3"))
            #expect(await store.isReachable())
        }
    }

    @Test(arguments: BlobBackend.all)
    func keysAreListedByPrefix(backend: BlobBackend) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await backend.make(dir)
            for raw in ["clips/j1/0-a.mp4", "clips/j1/1-b.mp4", "clips/j10/0-c.mp4", "clips/j2/0-d.mp4", "uploads/u1"] {
                _ = try await store.put(try BlobKey(raw), from: chunks([raw]), limit: nil)
            }
            #expect(
                try await store.keys(startingWith: "clips/j1/").map(\.rawValue) == [
                    "clips/j1/0-a.mp4", "clips/j1/1-b.mp4",
                ])
            #expect(
                try await store.keys(startingWith: "clips/j1").map(\.rawValue) == [
                    "clips/j1/0-a.mp4", "clips/j1/1-b.mp4", "clips/j10/0-c.mp4",
                ])
            #expect(try await store.keys(startingWith: "").count == 5)
            #expect(try await store.keys(startingWith: "none/").isEmpty)
        }
    }

    @Test(arguments: BlobBackend.all)
    func aReaderSetsThePace(backend: BlobBackend) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await backend.make(dir)
            let key = try BlobKey("clips/large")
            let megabyte = ByteBuffer(repeating: 7, count: 1 << 20)
            _ = try await store.put(
                key,
                from: AsyncThrowingStream { c in
                    for _ in 0..<8 { c.yield(megabyte) }
                    c.finish()
                }, limit: nil)
            // A consumer that stops after the first chunk: the store must not have read on without it.
            let delivered = Mutex(0)
            await #expect(throws: TestFailure.self) {
                try await store.get(key, range: nil).write { chunk in
                    delivered.withLock { $0 += chunk.readableBytes }
                    throw TestFailure("stop")
                }
            }
            #expect(delivered.withLock { $0 } <= 256 << 10, "one chunk handed over, not the blob")
        }
    }

    @Test func localProcessesKeepTheirTempFilesApart() async throws {
        try await withTemporaryDirectory { dir in
            let first = LocalBlobStore(root: dir)
            let second = LocalBlobStore(root: dir)
            // What a process that died mid-upload left: its pid is gone.
            let dead = Process()
            dead.executableURL = URL(fileURLWithPath: "/bin/true")
            try dead.run()
            dead.waitUntilExit()
            let abandoned = dir + "/.tmp/\(dead.processIdentifier)-0badf00d"
            try FileManager.default.createDirectory(atPath: abandoned, withIntermediateDirectories: true)
            try Data("half".utf8).write(to: URL(fileURLWithPath: abandoned + "/upload"))
            let slow = AsyncThrowingStream<ByteBuffer, any Error> { continuation in
                continuation.yield(ByteBuffer(string: "in flight"))
                Task {
                    // The second store starts, sweeps and writes while the first is mid-upload.
                    second.removeStaleTemporaryFiles()
                    _ = try? await second.put(try BlobKey("uploads/other"), from: chunks(["x"]), limit: nil)
                    continuation.finish()
                }
            }
            let info = try await first.put(try BlobKey("uploads/mine"), from: slow, limit: nil)
            #expect(info.size == 9)
            #expect(try await read(first.get(info.key, range: nil)) == "in flight")
            #expect(!FileManager.default.fileExists(atPath: abandoned), "a dead process's temp files are swept")
        }
    }

    @Test(arguments: ["../etc/passwd", "/abs", "a//b", "a/./b", "a/../b", "", "a b", "a\\b", "ok/..", "x\u{0}"])
    func keysThatCouldEscapeAreRefused(raw: String) {
        #expect(throws: BlobKey.Invalid(key: raw)) { try BlobKey(raw) }
    }
}

@Suite struct BlobStoreLifecycleTests {
    @Test(arguments: BlobBackend.all)
    func aBlobStoreIsPreparedRunsAndStopsOnGracefulShutdown(backend: BlobBackend) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await backend.make(dir)
            try await store.prepare()
            #expect(await store.isReachable())
            let group = ServiceGroup(configuration: .init(services: [store], logger: Logger(label: "test")))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                _ = try await store.put(try BlobKey("uploads/kept"), from: chunks(["kept"]), limit: nil)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            #expect(
                try await store.size(of: try BlobKey("uploads/kept")) == 4, "stopping the process keeps what it stored")
        }
    }

    @Test func theLocalStoreRemovesItsOwnTempDirectoryOnShutdownAndSweepsDeadProcessesOnPrepare() async throws {
        try await withTemporaryDirectory { dir in
            let root = dir + "/blobs"
            // A process that died mid-upload (no such pid) left a temp file behind.
            let dead = root + "/.tmp/999999999-deadbeef"
            try FileManager.default.createDirectory(atPath: dead, withIntermediateDirectories: true)
            try Data("x".utf8).write(to: URL(fileURLWithPath: dead + "/partial"))
            let store = LocalBlobStore(root: root)
            try await store.prepare()
            #expect(!FileManager.default.fileExists(atPath: dead))
            let group = ServiceGroup(configuration: .init(services: [store], logger: Logger(label: "test")))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                _ = try await store.put(try BlobKey("uploads/a"), from: chunks(["a"]), limit: nil)
                #expect(
                    try FileManager.default.contentsOfDirectory(atPath: root + "/.tmp").count == 1,
                    "this process's own temp directory")
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/.tmp").isEmpty)
        }
    }
}
