import BlobStorage
import BlobStorageS3
import ClipGenCore
import Foundation
import Logging

/// Where backups live: a directory (another disk, a mounted volume) or `s3://bucket/prefix`.
/// Either is used as a blob store, so a backup is written and read the same way wherever it is.
public enum BackupLocation: Equatable, Sendable, CustomStringConvertible {
    case directory(String)
    case s3(bucket: String, prefix: String)

    public init(parsing text: String) throws {
        guard text.lowercased().hasPrefix("s3://") else {
            guard !text.isEmpty else { throw BackupError.badLocation(text, reason: "it is empty") }
            self = .directory((text as NSString).standardizingPath)
            return
        }
        let rest = text.dropFirst("s3://".count)
        let bucket = String(rest.prefix { $0 != "/" })
        let prefix = rest.dropFirst(bucket.count).split(separator: "/").joined(separator: "/")
        guard S3Configuration.isBucketName(bucket) else {
            throw BackupError.badLocation(text, reason: "'\(bucket)' is not a bucket name")
        }
        guard prefix.isEmpty || (try? BlobKey(prefix)) != nil else {
            throw BackupError.badLocation(
                text, reason: "'\(prefix)' is not a key prefix (letters, digits, '.', '_', '-', '/')")
        }
        self = .s3(bucket: bucket, prefix: prefix)
    }

    public var description: String {
        switch self {
        case .directory(let path): path
        case .s3(let bucket, let prefix): "s3://\(bucket)/\(prefix)"
        }
    }

    /// The location as a store; `prepare()` makes the directory or bucket when missing.
    func store(_ configuration: ClipGenConfiguration, logger: Logger) throws -> any BlobStoreBackend {
        switch self {
        case .directory(let path): LocalBlobStore(root: path)
        case .s3(let bucket, let prefix):
            S3BlobStore(
                configuration: try configuration.backup.s3(bucket: bucket, prefix: prefix, blobs: configuration.s3),
                logger: logger)
        }
    }

    /// A local directory for files in flight: inside the backup directory when there is one, so a
    /// copied file is renamed into place rather than copied twice.
    var scratchParent: String? {
        switch self {
        case .directory(let path): path + "/.tmp"
        case .s3: nil
        }
    }
}
