import ClipGenCore
import Crypto
import Foundation
import NIOCore
import ServiceLifecycle
import Synchronization

/// Blobs in memory: the second backend of the blob-store conformance suite (proof that the
/// protocol is not shaped like a disk) and a quick store for tests of the layers above.
public final class MemoryBlobStore: BlobStoreBackend {
    private let blobs = Mutex<[BlobKey: [UInt8]]>([:])

    public init() {}

    public func prepare() async throws {}

    public func run() async throws {
        try? await gracefulShutdown()
    }

    public func put(_ key: BlobKey, from body: some AsyncSequence<ByteBuffer, any Error> & Sendable, limit: Int64?)
        async throws -> BlobInfo
    {
        var bytes: [UInt8] = []
        var hasher = SHA256()
        for try await buffer in body {
            if let limit, Int64(bytes.count + buffer.readableBytes) > limit { throw BlobError.tooLarge(limit: limit) }
            buffer.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
            bytes += buffer.readableBytesView
        }
        let stored = bytes
        blobs.withLock { $0[key] = stored }
        return BlobInfo(key: key, size: Int64(stored.count), sha256: Hex.string(hasher.finalize()))
    }

    public func keys(startingWith prefix: String) async throws -> [BlobKey] {
        blobs.withLock { $0.keys.filter { $0.rawValue.hasPrefix(prefix) } }.sorted { $0.rawValue < $1.rawValue }
    }

    public func importFile(at path: String, as key: BlobKey) async throws -> BlobInfo {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        try FileManager.default.removeItem(atPath: path)
        blobs.withLock { $0[key] = bytes }
        return BlobInfo(key: key, size: Int64(bytes.count), sha256: Hex.string(SHA256.hash(data: bytes)))
    }

    public func get(_ key: BlobKey, range: ClosedRange<Int64>?) async throws -> BlobBody {
        guard let bytes = blobs.withLock({ $0[key] }) else { throw BlobError.notFound(key.rawValue) }
        let total = Int64(bytes.count)
        if let range, range.lowerBound < 0 || range.upperBound >= total {
            throw BlobError.rangeNotSatisfiable(size: total)
        }
        let span = range.map { Int($0.lowerBound)..<Int($0.upperBound + 1) } ?? 0..<bytes.count
        return BlobBody(totalSize: total, range: range) { consume in
            for start in stride(from: span.lowerBound, to: span.upperBound, by: 64 << 10) {
                try await consume(ByteBuffer(bytes: bytes[start..<min(start + (64 << 10), span.upperBound)]))
            }
        }
    }

    public func download(_ key: BlobKey, to path: String) async throws {
        guard let bytes = blobs.withLock({ $0[key] }) else { throw BlobError.notFound(key.rawValue) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    public func size(of key: BlobKey) async throws -> Int64? {
        blobs.withLock { $0[key].map { Int64($0.count) } }
    }

    public func delete(_ key: BlobKey) async throws {
        _ = blobs.withLock { $0.removeValue(forKey: key) }
    }

    public func presignedURL(for key: BlobKey, expires: Duration, contentType: String?, filename: String?) async throws
        -> URL?
    { nil }

    public func isReachable() async -> Bool { true }
}
