import BlobStorage
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
        let file = scratch + "/" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: file) }
        do {
            try await source.download(copy.from, to: file)
        } catch BlobError.notFound {
            return nil
        }
        let info = try await target.importFile(at: file, as: copy.to)
        if let expected = copy.expected, info.sha256 != expected {
            try? await target.delete(copy.to)
            throw BackupError.damaged(
                key: copy.from.rawValue, reason: "its SHA-256 is \(info.sha256), the manifest says \(expected)")
        }
        return info
    }
}
