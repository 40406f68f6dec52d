import BlobStorage
import ClipGenCore
import Foundation
import NIOCore
import Synchronization
import TestSupport
import Testing
import Workers

/// The worker's source cache over a real blob store, counting the downloads it asks for.
@Suite struct SourceCacheTests {
    /// A memory store that counts downloads.
    final class Counting: BlobStore {
        let base = MemoryBlobStore()
        let downloads = Mutex(0)
        func put(_ key: BlobKey, from body: some AsyncSequence<ByteBuffer, any Error> & Sendable, limit: Int64?)
            async throws -> BlobInfo
        {
            try await base.put(key, from: body, limit: limit)
        }
        func importFile(at path: String, as key: BlobKey) async throws -> BlobInfo {
            try await base.importFile(at: path, as: key)
        }
        func get(_ key: BlobKey, range: ClosedRange<Int64>?) async throws -> BlobBody {
            try await base.get(key, range: range)
        }
        func download(_ key: BlobKey, to path: String) async throws {
            downloads.withLock { $0 += 1 }
            try await Task.sleep(for: .milliseconds(50))
            try await base.download(key, to: path)
        }
        func size(of key: BlobKey) async throws -> Int64? { try await base.size(of: key) }
        func delete(_ key: BlobKey) async throws { try await base.delete(key) }
        func keys(startingWith prefix: String) async throws -> [BlobKey] { try await base.keys(startingWith: prefix) }
        func presignedURL(for key: BlobKey, expires: Duration, contentType: String?, filename: String?) async throws
            -> URL?
        { nil }
        func isReachable() async -> Bool { true }
    }

    func blob(_ store: Counting, _ name: String, bytes: Int) async throws -> BlobKey {
        let key = try BlobKey("uploads/\(name)")
        let body = ByteBuffer(repeating: 1, count: bytes)
        _ = try await store.put(
            key,
            from: AsyncThrowingStream {
                $0.yield(body)
                $0.finish()
            }, limit: nil)
        return key
    }

    @Test func concurrentTasksShareOneDownload() async throws {
        try await withTemporaryDirectory { dir in
            let store = Counting()
            let key = try await blob(store, "a", bytes: 1000)
            let cache = SourceCache(blobs: store, directory: dir + "/sources", capacityBytes: 10_000)
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await cache.withFile(key) { path in try Data(contentsOf: URL(fileURLWithPath: path)).count }
                    }
                }
                for try await size in group { #expect(size == 1000) }
            }
            _ = try await cache.withFile(key) { $0 }
            #expect(store.downloads.withLock { $0 } == 1)
        }
    }

    @Test func theLeastRecentlyUsedGoesFirstButNeverWhileInUse() async throws {
        try await withTemporaryDirectory { dir in
            let store = Counting()
            let (a, b, c) = (
                try await blob(store, "a", bytes: 400), try await blob(store, "b", bytes: 400),
                try await blob(store, "c", bytes: 400)
            )
            let cache = SourceCache(blobs: store, directory: dir + "/sources", capacityBytes: 1000)
            let held = try await cache.withFile(a) { pathA in
                _ = try await cache.withFile(b) { $0 }
                _ = try await cache.withFile(c) { $0 }
                // Over capacity with a, b and c: b (least recently used, idle) went; a is in use.
                #expect(FileManager.default.fileExists(atPath: pathA))
                return await cache.heldBytes
            }
            #expect(held == 800)
            _ = try await cache.withFile(b) { $0 }
            #expect(store.downloads.withLock { $0 } == 4, "b was fetched again")
            await cache.removeAll()
            #expect(!FileManager.default.fileExists(atPath: dir + "/sources"))
        }
    }
}
