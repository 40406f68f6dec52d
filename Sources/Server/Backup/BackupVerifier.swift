import BlobStorage
import ClipGenCore
import Foundation
import Logging

/// `clipgen admin verify-backup`: reads every file a snapshot lists back from the backup and
/// compares its size and SHA-256 with the manifest's.
public struct BackupVerifier: Sendable {
    public struct Report: Sendable {
        public var id: String
        public var checked: Int
        public var bytes: Int64
        /// One line per file that is missing or differs; empty when the snapshot is whole.
        public var problems: [String]
    }

    let backup: any BlobStoreBackend
    let location: BackupLocation

    public static func verify(
        configuration: ClipGenConfiguration, at location: BackupLocation, snapshot: String?, parallel: Int,
        logger: Logger
    ) async throws -> Report {
        let verifier = BackupVerifier(backup: try location.store(configuration, logger: logger), location: location)
        return try await verifier.verify(snapshot: snapshot, parallel: parallel)
    }

    func verify(snapshot: String?, parallel: Int) async throws -> Report {
        // Read only: a backup location that is not there is not made.
        let manifest = try await BackupManifest.load(from: backup, id: snapshot, location: location)
        let files =
            [(manifest.database.key, manifest.database.size, manifest.database.sha256)]
            + manifest.blobs.map { ("blobs/" + $0.key, $0.size, $0.sha256) }
        let problems = try await concurrently(files, limit: parallel) { key, size, sha256 -> String? in
            do {
                let found = try await backup.digest(of: try BlobKey(key))
                if found.size != size { return "\(key): \(found.size) bytes, the manifest says \(size)" }
                if found.sha256 != sha256 { return "\(key): SHA-256 \(found.sha256), the manifest says \(sha256)" }
                return nil
            } catch BlobError.notFound {
                return "\(key): missing"
            }
        }
        return Report(
            id: manifest.id, checked: files.count, bytes: files.reduce(0) { $0 + $1.1 },
            problems: problems.compactMap { $0 })
    }
}
