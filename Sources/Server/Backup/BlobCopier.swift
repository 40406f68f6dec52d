import BlobStorage
import BlobStorageS3
import ClipGenCore
import Foundation

/// Copies blobs from one store to another, a few at a time, each through a file in `scratch`
/// (the one path every store supports both ways: `download` and `importFile`, which hashes what
/// it stores). A file never outlives its copy.
struct BlobCopier: Sendable {
    struct Copy: Sendable {
        var from: BlobKey
        var to: BlobKey
        /// The SHA-256 the copy must have; a mismatch removes it and fails the copy.
        var expected: String?
    }

    let source: any BlobStore
    let target: any BlobStore
    let scratch: String
    let parallel: Int

    /// Every copy's stored size and digest, by its source key. A key gone from the source since
    /// it was listed is left out (deleted meanwhile: nothing refers to it any more).
    func run(_ copies: [Copy]) async throws -> [BlobKey: BlobInfo] {
        let results = try await concurrently(copies, limit: parallel) { copy in (copy.from, try await one(copy)) }
        return Dictionary(results.compactMap { key, info in info.map { (key, $0) } }) { first, _ in first }
    }

    private func one(_ copy: Copy) async throws -> BlobInfo? {
        let info: BlobInfo
        do {
            if let copied = try await inStore(copy) { info = copied } else { info = try await throughFile(copy) }
        } catch BlobError.notFound {
            return nil
        }
        if let expected = copy.expected, info.sha256 != expected {
            try? await target.delete(copy.to)
            throw BackupError.damaged(
                key: copy.from.rawValue, reason: "its SHA-256 is \(info.sha256), the manifest says \(expected)")
        }
        return info
    }

    /// Through a local file: any two stores.
    private func throughFile(_ copy: Copy) async throws -> BlobInfo {
        let file = scratch + "/" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: file) }
        try await source.download(copy.from, to: file)
        return try await target.importFile(at: file, as: copy.to)
    }

    /// Between two buckets of one S3 service the store copies the bytes itself (CopyObject), and
    /// only reading them back for their digest crosses the network; nil when that does not apply.
    private func inStore(_ copy: Copy) async throws -> BlobInfo? {
        guard let from = source as? S3BlobStore, let to = target as? S3BlobStore, to.canCopy(from: from),
            let size = try await from.size(of: copy.from), size <= S3BlobStore.largestCopy
        else { return nil }
        try await to.copy(copy.from, from: from, as: copy.to)
        let (stored, sha256) = try await to.digest(of: copy.to)
        return BlobInfo(key: copy.to, size: stored, sha256: sha256)
    }
}
