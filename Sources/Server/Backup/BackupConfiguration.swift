import BlobStorageS3
import ClipGenCore
import Foundation

/// Where `s3://` backups are written: by default the same S3-compatible service and credentials
/// as the blobs (another bucket), or a store of their own, so one leaked key cannot delete both.
public struct BackupConfiguration: Sendable {
    public var s3Endpoint: URL?
    public var s3Region: String?
    public var s3AccessKeyID: String?
    public var s3SecretAccessKey: String?

    public init() {}

    public static let keys = [
        ConfigurationKey("backupS3Endpoint", "the S3-compatible store s3:// backups go to (s3Endpoint)"),
        ConfigurationKey("backupS3Region", "the region backup requests are signed for (s3Region)"),
        ConfigurationKey("backupS3AccessKeyId", "the access key id for backups (s3AccessKeyId)"),
        ConfigurationKey("backupS3SecretAccessKey", "the secret access key for backups (s3SecretAccessKey)"),
    ]

    public init(reading values: some ConfigurationValues) throws {
        s3Endpoint = try S3Configuration.endpoint(values, "backupS3Endpoint")
        s3Region = values.string("backupS3Region")
        s3AccessKeyID = values.string("backupS3AccessKeyId")
        s3SecretAccessKey = values.string("backupS3SecretAccessKey")
    }

    /// The store for `s3://bucket/prefix`, falling back to the blob store's settings key by key.
    func s3(bucket: String, prefix: String, blobs: S3Configuration?) throws -> S3Configuration {
        guard let endpoint = s3Endpoint ?? blobs?.endpoint else {
            throw BackupError.badLocation(
                "s3://\(bucket)/\(prefix)",
                reason: "set CLIPGEN_BACKUP_S3_ENDPOINT (or CLIPGEN_S3_ENDPOINT) to the store that holds the bucket")
        }
        guard let accessKey = s3AccessKeyID ?? blobs?.accessKeyID,
            let secret = s3SecretAccessKey ?? blobs?.secretAccessKey
        else {
            throw BackupError.badLocation(
                "s3://\(bucket)/\(prefix)",
                reason: "set CLIPGEN_BACKUP_S3_ACCESS_KEY_ID and CLIPGEN_BACKUP_S3_SECRET_ACCESS_KEY")
        }
        var configuration = S3Configuration(
            endpoint: endpoint, bucket: bucket, region: s3Region ?? blobs?.region ?? "us-east-1",
            accessKeyID: accessKey, secretAccessKey: secret)
        configuration.keyPrefix = prefix.isEmpty ? "" : prefix + "/"
        return configuration
    }
}
