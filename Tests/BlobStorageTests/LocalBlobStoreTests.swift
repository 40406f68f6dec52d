import BlobStorage
import Foundation
import NIOCore
import Testing
import TestSupport

@Suite struct LocalBlobStoreTests {
    func chunks(_ parts: [String]) -> AsyncThrowingStream<ByteBuffer, any Error> {
        AsyncThrowingStream { continuation in
            for part in parts { continuation.yield(ByteBuffer(string: part)) }
            continuation.finish()
        }
    }

    func read(_ body: BlobBody) async throws -> String {
        var collected = ""
        for try await chunk in body.chunks { collected += String(buffer: chunk) }
        return collected
    }

    @Test func identicalContentIsStoredOnce() async throws {
        try await withTemporaryDirectory { dir in
            let store = try LocalBlobStore(root: dir)
            let a = try await store.putContentAddressed(from: chunks(["hello ", "world"]), limit: nil, prefix: "uploads")
            let b = try await store.putContentAddressed(from: chunks(["hello world"]), limit: nil, prefix: "uploads")
            #expect(a == b)
            #expect(a.sha256 == "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9")
            #expect(a.size == 11)
            let files = try FileManager.default.subpathsOfDirectory(atPath: dir + "/uploads").filter { !$0.hasSuffix("/") && $0.count > 3 }
            #expect(files.count == 1)
        }
    }

    @Test func overTheLimitLeavesNothingBehind() async throws {
        try await withTemporaryDirectory { dir in
            let store = try LocalBlobStore(root: dir)
            await #expect(throws: BlobError.tooLarge(limit: 5)) {
                try await store.putContentAddressed(from: chunks(["abc", "def"]), limit: 5, prefix: "uploads")
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/.tmp").isEmpty)
            #expect(!FileManager.default.fileExists(atPath: dir + "/uploads"))
        }
    }

    @Test func aFailingBodyLeavesNothingBehind() async throws {
        try await withTemporaryDirectory { dir in
            let store = try LocalBlobStore(root: dir)
            let failing = AsyncThrowingStream<ByteBuffer, any Error> { continuation in
                continuation.yield(ByteBuffer(string: "partial"))
                continuation.finish(throwing: TestFailure("client went away"))
            }
            await #expect(throws: TestFailure.self) { try await store.putContentAddressed(from: failing, limit: nil, prefix: "uploads") }
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/.tmp").isEmpty)
        }
    }

    @Test func rangeReads() async throws {
        try await withTemporaryDirectory { dir in
            let store = try LocalBlobStore(root: dir)
            let info = try await store.putContentAddressed(from: chunks(["0123456789"]), limit: nil, prefix: "p")
            #expect(try await read(store.get(info.key, range: 2...5)) == "2345")
            #expect(try await read(store.get(info.key, range: nil)) == "0123456789")
            await #expect(throws: BlobError.rangeNotSatisfiable(size: 10)) { try await store.get(info.key, range: 5...10) }
            await #expect(throws: BlobError.notFound("p/none")) { try await store.get(try BlobKey("p/none"), range: nil) }
        }
    }

    @Test func importMovesAFileInAndDeleteRemovesIt() async throws {
        try await withTemporaryDirectory { dir in
            let store = try LocalBlobStore(root: dir + "/blobs")
            let source = dir + "/render.mp4"
            try Data("clip".utf8).write(to: URL(fileURLWithPath: source))
            let key = try BlobKey("clips/job/0-task.mp4")
            let info = try await store.importFile(at: source, as: key)
            #expect(info.size == 4 && !FileManager.default.fileExists(atPath: source))
            #expect(try await store.size(of: key) == 4)
            try await store.delete(key)
            #expect(try await store.size(of: key) == nil)
        }
    }

    @Test(arguments: ["../etc/passwd", "/abs", "a//b", "a/./b", "a/../b", "", "a b", "a\\b", "ok/..", "x\u{0}"])
    func keysThatCouldEscapeAreRefused(raw: String) {
        #expect(throws: BlobError.invalidKey(raw)) { try BlobKey(raw) }
    }
}
