import ClipGenCore
import Crypto
import Foundation
import NIOCore
import NIOFileSystem
import ServiceLifecycle
import SystemPackage

/// Blobs as files under one directory. Writes go to a temp file of this process's own, are
/// fsynced and renamed into place, so a crash never leaves a half-written blob under a key and
/// processes sharing the directory never touch each other's files in flight.
public struct LocalBlobStore: BlobStoreBackend {
    public let root: String
    /// This process's temp directory; other processes' are left alone (stale ones are removed
    /// after a day by `removeStaleTemporaryFiles`).
    private let tmp: String
    private let fileSystem = FileSystem.shared

    /// Does no I/O: directories are made when first written to.
    public init(root: String) {
        self.root = (root as NSString).standardizingPath
        self.tmp =
            self.root + "/.tmp/" + ProcessInfo.processInfo.processIdentifier.description + "-"
            + UUID().uuidString.prefix(8)
    }

    func path(for key: BlobKey) -> String { root + "/" + key.rawValue }

    /// Makes the root and sweeps the temp files of processes that died mid-upload.
    public func prepare() async throws {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        removeStaleTemporaryFiles()
    }

    /// Until graceful shutdown reaches the store; then this process's temp directory goes,
    /// since every upload that wrote to it has finished or been abandoned by then.
    public func run() async throws {
        try? await gracefulShutdown()
        try? FileManager.default.removeItem(atPath: tmp)
    }

    public func put(_ key: BlobKey, from body: some AsyncSequence<ByteBuffer, any Error> & Sendable, limit: Int64?)
        async throws -> BlobInfo
    {
        let temp = try temporaryPath()
        do {
            let (size, digest) = try await write(body, to: temp, limit: limit)
            try await moveIntoPlace(temp, path(for: key))
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
        // The file is read inside the consumer's task, one chunk ahead at most: the pace is theirs.
        return BlobBody(totalSize: total, range: range) { consume in
            try await fileSystem.withFileHandle(forReadingAt: FilePath(filePath)) { handle in
                var offset = byteRange.lowerBound
                while offset < byteRange.upperBound {
                    let length = min(Int64(256 << 10), byteRange.upperBound - offset)
                    let chunk = try await handle.readChunk(fromAbsoluteOffset: offset, length: .bytes(length))
                    guard chunk.readableBytes > 0 else { throw BlobError.notFound(key.rawValue) }
                    offset += Int64(chunk.readableBytes)
                    try await consume(chunk)
                }
            }
        }
    }

    /// A hard link where the file system allows one (no bytes copied), else a copy.
    public func download(_ key: BlobKey, to destination: String) async throws {
        let source = path(for: key)
        guard FileManager.default.fileExists(atPath: source) else { throw BlobError.notFound(key.rawValue) }
        try? FileManager.default.removeItem(atPath: destination)
        if link(source, destination) == 0 { return }
        try FileManager.default.copyItem(atPath: source, toPath: destination)
    }

    public func size(of key: BlobKey) async throws -> Int64? {
        try await fileSystem.info(forFileAt: FilePath(path(for: key)))?.size
    }

    /// Walks only the directory the prefix's complete segments name.
    public func keys(startingWith prefix: String) async throws -> [BlobKey] {
        let directory = prefix.contains("/") ? String(prefix[..<prefix.lastIndex(of: "/")!]) : ""
        let base = directory.isEmpty ? root : root + "/" + directory
        guard let walker = FileManager.default.enumerator(atPath: base) else { return [] }
        var keys: [BlobKey] = []
        while let relative = walker.nextObject() as? String {
            let raw = directory.isEmpty ? relative : directory + "/" + relative
            guard !raw.hasPrefix(".tmp"), raw.hasPrefix(prefix),
                walker.fileAttributes?[.type] as? FileAttributeType == .typeRegular,
                let key = try? BlobKey(raw)
            else { continue }
            keys.append(key)
        }
        return keys.sorted { $0.rawValue < $1.rawValue }
    }

    public func delete(_ key: BlobKey) async throws {
        try await fileSystem.removeItem(at: FilePath(path(for: key)))
    }

    /// A local directory cannot sign URLs; the API streams its files.
    public func presignedURL(for key: BlobKey, expires: Duration, contentType: String?, filename: String?) async throws
        -> URL?
    { nil }

    public func isReachable() async -> Bool {
        (try? FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)) != nil
            && FileManager.default.isWritableFile(atPath: root)
    }

    /// Removes the temp files of processes on this machine that are gone, and any nothing has
    /// written to for `age` (a process on another machine sharing the directory).
    public func removeStaleTemporaryFiles(olderThan age: TimeInterval = 24 * 3600, now: Date = Date()) {
        let manager = FileManager.default
        let parent = root + "/.tmp"
        for entry in (try? manager.contentsOfDirectory(atPath: parent)) ?? [] where parent + "/" + entry != tmp {
            let path = parent + "/" + entry
            if let pid = entry.split(separator: "-").first.flatMap({ pid_t($0) }), kill(pid, 0) != 0, errno == ESRCH {
                try? manager.removeItem(atPath: path)
                continue
            }
            let modified = try? manager.attributesOfItem(atPath: path)[.modificationDate] as? Date
            if let modified, now.timeIntervalSince(modified) > age { try? manager.removeItem(atPath: path) }
        }
    }

    private func temporaryPath() throws -> String {
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        return tmp + "/" + UUID().uuidString
    }

    private func write(
        _ body: some AsyncSequence<ByteBuffer, any Error>, to temp: String, limit: Int64?
    ) async throws -> (Int64, String) {
        try await fileSystem.withFileHandle(forWritingAt: FilePath(temp), options: .newFile(replaceExisting: false)) {
            handle in
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
            return (size, Hex.string(hasher.finalize()))
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
            return (size, Hex.string(hasher.finalize()))
        }
    }

    private func moveIntoPlace(_ source: String, _ destination: String) async throws {
        let directory = (destination as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // rename(2) replaces atomically within one file system; a scratch directory on another
        // one is copied into our temp directory first so the final step is still a rename.
        if rename(source, destination) == 0 { return }
        guard errno == EXDEV else {
            throw CocoaError(
                .fileWriteUnknown,
                userInfo: [NSLocalizedDescriptionKey: "could not move a blob into place (errno \(errno))"])
        }
        let staged = try temporaryPath()
        try FileManager.default.copyItem(atPath: source, toPath: staged)
        try FileManager.default.removeItem(atPath: source)
        guard rename(staged, destination) == 0 else {
            throw CocoaError(
                .fileWriteUnknown,
                userInfo: [NSLocalizedDescriptionKey: "could not move a blob into place (errno \(errno))"])
        }
    }
}
