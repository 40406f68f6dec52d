import ClipGenCore
import Crypto
import Foundation
import NIOCore

extension BlobStore {
    /// A small stored file (or `range` of one) read whole into memory: a manifest, a kit, one
    /// frame. Large files are streamed through `get` instead.
    public func contents(of key: BlobKey, range: ClosedRange<Int64>? = nil) async throws -> Data {
        var data = Data()
        try await get(key, range: range).write { chunk in data.append(contentsOf: chunk.readableBytesView) }
        return data
    }

    /// Stores a small body held in memory (a manifest, a kit, a preset) under `key`, replacing
    /// what was there.
    @discardableResult
    public func put(_ data: Data, as key: BlobKey, limit: Int64? = nil) async throws -> BlobInfo {
        let body = AsyncThrowingStream<ByteBuffer, any Error> { continuation in
            continuation.yield(ByteBuffer(bytes: data))
            continuation.finish()
        }
        return try await put(key, from: body, limit: limit)
    }
}

extension BlobStore {
    /// The size and SHA-256 (lowercase hex) of the stored bytes of `key`, read as a stream: what
    /// a backup's manifest records and its verification compares.
    public func digest(of key: BlobKey) async throws -> (size: Int64, sha256: String) {
        var hasher = SHA256()
        var size: Int64 = 0
        try await get(key, range: nil).write { chunk in
            chunk.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
            size += Int64(chunk.readableBytes)
        }
        return (size, Hex.string(hasher.finalize()))
    }
}
