import Crypto
import Foundation
import NIOCore
import NIOFileSystem
import SystemPackage

/// Blobs as files under one directory. Writes go to a temp file in the same directory tree,
/// are fsynced and renamed into place, so a crash never leaves a half-written blob under a key.
public struct LocalBlobStore: BlobStore {
    public let root: String
    private let tmp: String
    private let fileSystem = FileSystem.shared

    /// Creates the directory if needed. Leftover temp files of a crashed process are removed.
    public init(root: String) throws {
        self.root = (root as NSString).standardizingPath
        self.tmp = self.root + "/.tmp"
        let manager = FileManager.default
        try manager.createDirectory(atPath: self.root, withIntermediateDirectories: true)
        if manager.fileExists(atPath: tmp) { try manager.removeItem(atPath: tmp) }
        try manager.createDirectory(atPath: tmp, withIntermediateDirectories: true)
    }

    func path(for key: BlobKey) -> String { root + "/" + key.rawValue }

    public func putContentAddressed(
        from body: some AsyncSequence<ByteBuffer, any Error> & Sendable, limit: Int64?, prefix: String
    ) async throws -> BlobInfo {
        let temp = tmp + "/" + UUID().uuidString
        do {
            let (size, digest) = try await write(body, to: temp, limit: limit)
            let key = try BlobKey("\(prefix)/\(digest.prefix(2))/\(digest)")
            let destination = path(for: key)
            if FileManager.default.fileExists(atPath: destination) {
                try FileManager.default.removeItem(atPath: temp)
            } else {
                try await moveIntoPlace(temp, destination)
            }
            return BlobInfo(key: key, size: size, sha256: digest)
        } catch {
            try? FileManager.default.removeItem(atPath: temp)
            throw error
        }
    }

    public func importFile(at source: String, as key: BlobKey) async throws -> BlobInfo {
        let (size, digest) = try await hashFile(source)
        try await moveIntoPlace(source, path(for: key))
        return BlobInfo(key: key, size: size, sha256: digest)
    }

    public func get(_ key: BlobKey, range: ClosedRange<Int64>?) async throws -> BlobBody {
        let filePath = path(for: key)
        guard let info = try await fileSystem.info(forFileAt: FilePath(filePath)), info.type == .regular else {
            throw BlobError.notFound(key.rawValue)
        }
        let total = info.size
        if let range, range.lowerBound < 0 || range.upperBound >= total {
            throw BlobError.rangeNotSatisfiable(size: total)
        }
        let byteRange: Range<Int64> = range.map { $0.lowerBound..<($0.upperBound + 1) } ?? 0..<total
        let fileSystem = self.fileSystem
        let chunks = AsyncThrowingStream<ByteBuffer, any Error> { continuation in
            let reader = Task {
                do {
                    try await fileSystem.withFileHandle(forReadingAt: FilePath(filePath)) { handle in
                        for try await chunk in handle.readChunks(in: byteRange, chunkLength: .kibibytes(256)) {
                            continuation.yield(chunk)
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in reader.cancel() }
        }
        return BlobBody(totalSize: total, range: range, chunks: chunks)
    }

    public func size(of key: BlobKey) async throws -> Int64? {
        try await fileSystem.info(forFileAt: FilePath(path(for: key)))?.size
    }

    public func delete(_ key: BlobKey) async throws {
        try await fileSystem.removeItem(at: FilePath(path(for: key)))
    }

    public func withLocalFile<T: Sendable>(_ key: BlobKey, _ body: (String) async throws -> T) async throws -> T {
        let filePath = path(for: key)
        guard FileManager.default.fileExists(atPath: filePath) else { throw BlobError.notFound(key.rawValue) }
        return try await body(filePath)
    }

    public func isReachable() async -> Bool {
        FileManager.default.isWritableFile(atPath: tmp)
    }

    private func write(
        _ body: some AsyncSequence<ByteBuffer, any Error>, to temp: String, limit: Int64?
    ) async throws -> (Int64, String) {
        try await fileSystem.withFileHandle(forWritingAt: FilePath(temp), options: .newFile(replaceExisting: false)) { handle in
            var hasher = SHA256()
            var size: Int64 = 0
            var writer = handle.bufferedWriter(capacity: .kibibytes(512))
            for try await buffer in body {
                size += Int64(buffer.readableBytes)
                if let limit, size > limit { throw BlobError.tooLarge(limit: limit) }
                buffer.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
                try await writer.write(contentsOf: buffer)
            }
            try await writer.flush()
            try await handle.synchronize()
            return (size, hasher.finalize().hexString)
        }
    }

    private func hashFile(_ filePath: String) async throws -> (Int64, String) {
        try await fileSystem.withFileHandle(forReadingAt: FilePath(filePath)) { handle in
            var hasher = SHA256()
            var size: Int64 = 0
            for try await chunk in handle.readChunks(chunkLength: .mebibytes(1)) {
                size += Int64(chunk.readableBytes)
                chunk.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
            }
            return (size, hasher.finalize().hexString)
        }
    }

    private func moveIntoPlace(_ source: String, _ destination: String) async throws {
        let directory = (destination as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // rename(2) replaces atomically within one file system; a scratch directory on another
        // one is copied into our temp directory first so the final step is still a rename.
        if rename(source, destination) == 0 { return }
        guard errno == EXDEV else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "could not move a blob into place (errno \(errno))"])
        }
        let staged = tmp + "/" + UUID().uuidString
        try FileManager.default.copyItem(atPath: source, toPath: staged)
        try FileManager.default.removeItem(atPath: source)
        guard rename(staged, destination) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "could not move a blob into place (errno \(errno))"])
        }
    }
}

extension Digest {
    var hexString: String { map { String(format: "%02x", $0) }.joined() }
}
