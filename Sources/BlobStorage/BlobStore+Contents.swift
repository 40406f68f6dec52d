import ClipGenCore
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
