import BlobStorage
import ClipGenCore
import Foundation
import Logging

/// `clipgen admin backup`: a snapshot of the database and every blob, consistent while the
/// service runs. Blobs are copied before the database dump and the new ones again after it:
/// every row the dump holds was written after its blob was stored (uploads and renders store
/// first), so each blob it refers to is in the first pass or, if newer, in the second. Blobs are
/// copied as stored (sealed when encryption is on) and only when the backup lacks them
/// (incremental by key and size, against the latest snapshot).
public struct BackupWriter: Sendable {
    public struct Options: Sendable {
        /// Copy every blob again, whatever the backup holds (after `rotate-keys` resealed them in place).
        public var full = false
        /// Keep this many finished snapshots, removing older ones and the copies only they used.
        public var keep: Int?
        /// Blobs copied at once.
        public var parallel = 4
        public init() {}
    }

    public struct Report: Sendable {
        public var id: String
        public var blobs: Int
        public var copied: Int
        public var reused: Int
        public var bytesCopied: Int64
        public var databaseBytes: Int64
        public var removedSnapshots: [String]
    }

    let blobs: any BlobStoreBackend
    let database: any DatabaseSnapshot
    let target: any BlobStoreBackend
    let location: BackupLocation
    let encrypted: Bool
    let logger: Logger

    public static func take(
        configuration: ClipGenConfiguration, to location: BackupLocation, options: Options, logger: Logger
    ) async throws -> Report {
        let writer = BackupWriter(
            blobs: Backends.unsealedBlobs(configuration, logger: logger),
            database: try DatabaseLocation(configuration).snapshot,
            target: try location.store(configuration, logger: logger), location: location,
            encrypted: configuration.encryption != nil, logger: logger)
        return try await writer.take(options)
    }

    func take(_ options: Options) async throws -> Report {
        try await blobs.prepare()
        try await target.prepare()
        let id = BackupManifest.newID(at: Date(), after: try await BackupManifest.snapshots(in: target).first)
        let previous = options.full ? nil : try? await BackupManifest.load(from: target, id: nil, location: location)
        let reusable = Dictionary((previous?.blobs ?? []).map { ($0.key, $0) }) { first, _ in first }
        let copies = Set(try await target.keys(startingWith: "blobs/").map(\.rawValue))
        return try await withScratch(under: location.scratchParent) { scratch in
            let copier = BlobCopier(source: blobs, target: target, scratch: scratch, parallel: options.parallel)
            var entries: [String: BackupManifest.Entry] = [:]
            var (copied, reused, bytesCopied) = (0, 0, Int64(0))
            func pass() async throws {
                let keys = try await blobs.keys(startingWith: "").filter { entries[$0.rawValue] == nil }
                // What the backup already holds at the size the service has now is kept as it is.
                let sizes = try await concurrently(keys, limit: options.parallel) { key in
                    reusable[key.rawValue] == nil ? nil : try await blobs.size(of: key)
                }
                var toCopy: [BlobCopier.Copy] = []
                for (key, size) in zip(keys, sizes) {
                    if let entry = reusable[key.rawValue], entry.size == size, copies.contains("blobs/" + key.rawValue)
                    {
                        entries[key.rawValue] = entry
                        reused += 1
                    } else {
                        toCopy.append(.init(from: key, to: try BackupManifest.copyKey(key.rawValue)))
                    }
                }
                for (key, info) in try await copier.run(toCopy) {
                    entries[key.rawValue] = .init(key: key.rawValue, size: info.size, sha256: info.sha256)
                    copied += 1
                    bytesCopied += info.size
                }
            }
            try await pass()
            let dumpName = "database." + database.fileExtension
            try await database.dump(to: scratch + "/" + dumpName)
            let dumpKey = try BlobKey("snapshots/\(id)/\(dumpName)")
            let dump = try await target.importFile(at: scratch + "/" + dumpName, as: dumpKey)
            try await pass()
            let manifest = BackupManifest(
                id: id, createdAt: Date(),
                database: .init(kind: database.kind, key: dumpKey.rawValue, size: dump.size, sha256: dump.sha256),
                encrypted: encrypted, blobs: entries.values.sorted { $0.key < $1.key })
            try await target.put(try manifest.encoded(), as: try BackupManifest.key(id))
            try await target.put(Data((id + "\n").utf8), as: BackupManifest.latestKey)
            logger.info(
                "backup written",
                metadata: ["backup.id": "\(id)", "backup.copied": "\(copied)", "backup.reused": "\(reused)"])
            var removed: [String] = []
            if let keep = options.keep { removed = try await prune(keeping: keep) }
            return Report(
                id: id, blobs: entries.count, copied: copied, reused: reused, bytesCopied: bytesCopied,
                databaseBytes: dump.size, removedSnapshots: removed)
        }
    }

    /// Removes all but the `keep` newest finished snapshots, then the copies no kept snapshot
    /// lists. A manifest goes first, so no finished snapshot ever lists a removed copy; an
    /// unfinished snapshot newer than the kept ones (another backup writing now) is left alone.
    private func prune(keeping keep: Int) async throws -> [String] {
        let finished = try await BackupManifest.snapshots(in: target)
        let kept = Array(finished.prefix(max(1, keep)))
        guard let oldestKept = kept.last else { return [] }
        var referenced = Set<String>()
        for id in kept {
            let manifest = try await BackupManifest.load(from: target, id: id, location: location)
            referenced.formUnion(manifest.blobs.map { "blobs/" + $0.key })
        }
        var removed: [String] = []
        var byID: [String: [BlobKey]] = [:]
        for key in try await target.keys(startingWith: "snapshots/") {
            let parts = key.rawValue.split(separator: "/")
            if parts.count >= 2 { byID[String(parts[1]), default: []].append(key) }
        }
        for (id, keys) in byID.sorted(by: { $0.key < $1.key }) where id < oldestKept {
            // The manifest first: from here the snapshot is unfinished, and nothing restores from it.
            let manifestFirst = keys.filter { $0.rawValue.hasSuffix("/manifest.json") }
            for key in manifestFirst + keys.filter({ !manifestFirst.contains($0) }) { try await target.delete(key) }
            if finished.contains(id) { removed.append(id) }
        }
        let unused = try await target.keys(startingWith: "blobs/").filter { !referenced.contains($0.rawValue) }
        _ = try await concurrently(unused, limit: 8) { try await target.delete($0) }
        if !removed.isEmpty {
            logger.info("old backups removed", metadata: ["backup.removed": "\(removed.joined(separator: ","))"])
        }
        return removed
    }
}

/// A directory of this run's own for files in flight, removed afterwards whatever happens.
func withScratch<T>(under parent: String?, _ body: (String) async throws -> T) async throws -> T {
    let directory =
        (parent ?? FileManager.default.temporaryDirectory.path) + "/clipgen-backup-" + UUID().uuidString.prefix(8)
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    return try await body(directory)
}
