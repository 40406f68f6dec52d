import BlobStorage
import ClipGenCore
import Foundation
import Logging

/// `clipgen admin restore`: a snapshot back into an empty database and blob store. The blobs go
/// first, each checked against its SHA-256, and the database last, so a restore cut short leaves
/// no row without its file and can simply be run again.
public struct BackupRestorer: Sendable {
    public struct Report: Sendable {
        public var id: String
        public var blobs: Int
        public var bytes: Int64
    }

    let backup: any BlobStoreBackend
    let location: BackupLocation
    let blobs: any BlobStoreBackend
    let database: any DatabaseSnapshot
    let encryptionConfigured: Bool
    /// Where files in flight go: beside the local blob store when there is one.
    let scratchParent: String?
    let logger: Logger

    public static func restore(
        configuration: ClipGenConfiguration, from location: BackupLocation, snapshot: String?, parallel: Int,
        logger: Logger
    ) async throws -> Report {
        try EmbeddedServer.makeDataDirectory(configuration.dataDirectory)
        let restorer = BackupRestorer(
            backup: try location.store(configuration, logger: logger), location: location,
            blobs: Backends.unsealedBlobs(configuration, logger: logger),
            database: try DatabaseLocation(configuration).snapshot,
            encryptionConfigured: configuration.encryption != nil,
            scratchParent: configuration.s3 == nil ? configuration.dataDirectory + "/blobs/.tmp" : nil, logger: logger)
        return try await restorer.restore(snapshot: snapshot, parallel: parallel)
    }

    func restore(snapshot: String?, parallel: Int) async throws -> Report {
        // Read only: a backup location that is not there is not made.
        let manifest = try await BackupManifest.load(from: backup, id: snapshot, location: location)
        guard manifest.database.kind == database.kind else {
            throw BackupError.noBackup(
                "snapshot \(manifest.id) is of a \(manifest.database.kind) database; the configuration names \(database.kind)"
            )
        }
        if manifest.encrypted && !encryptionConfigured { throw BackupError.encryptionKeysMissing }
        guard try await database.isEmpty() else { throw BackupError.notEmpty("the database already holds tables") }
        try await blobs.prepare()
        // Files of an earlier restore of this snapshot that stopped short may be there; nothing else.
        let listed = Set(manifest.blobs.map(\.key))
        let stray = try await blobs.keys(startingWith: "").filter { !listed.contains($0.rawValue) }
        guard stray.isEmpty else {
            throw BackupError.notEmpty(
                "the blob store already holds files the backup does not list (\(stray.count), such as '\(stray[0])')")
        }
        return try await withScratch(under: scratchParent) { scratch in
            let copier = BlobCopier(source: backup, target: blobs, scratch: scratch, parallel: parallel)
            let copies = try manifest.blobs.map {
                BlobCopier.Copy(from: try BackupManifest.copyKey($0.key), to: try BlobKey($0.key), expected: $0.sha256)
            }
            let started = ContinuousClock.now
            let restored = try await copier.run(copies)
            logger.info(
                "files restored",
                metadata: ["backup.files": "\(restored.count)", "backup.seconds": "\(ContinuousClock.now - started)"])
            if let missing = copies.first(where: { restored[$0.from] == nil }) {
                throw BackupError.damaged(key: missing.from.rawValue, reason: "it is missing from the backup")
            }
            let dumpKey = try BlobKey(manifest.database.key)
            let dump = scratch + "/database." + database.fileExtension
            try await backup.download(dumpKey, to: dump)
            let scratchStore = LocalBlobStore(root: scratch)
            let (size, sha256) = try await scratchStore.digest(of: try BlobKey("database." + database.fileExtension))
            guard size == manifest.database.size, sha256 == manifest.database.sha256 else {
                throw BackupError.damaged(
                    key: dumpKey.rawValue,
                    reason: "its SHA-256 is \(sha256), the manifest says \(manifest.database.sha256)")
            }
            try await database.load(from: dump)
            logger.info(
                "backup restored", metadata: ["backup.id": "\(manifest.id)", "backup.blobs": "\(copies.count)"])
            return Report(
                id: manifest.id, blobs: copies.count, bytes: manifest.blobs.reduce(0) { $0 + $1.size } + size)
        }
    }
}
