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
