import ClipGenCore
import Foundation

/// Where an S3-compatible store is and how to sign for it. Set `s3Endpoint` to use one; the
/// other keys then apply. Path-style URLs (`endpoint/bucket/key`), which every S3-compatible
/// server accepts.
public struct S3Configuration: Sendable {
    public var endpoint: URL
    /// Where clients reach the store, when not at `endpoint` (a public host name, or a CDN that
    /// passes the Host header through): presigned download URLs are built and signed for it.
    public var publicEndpoint: URL?
    public var bucket: String
    /// Other regions' buckets, copied into this store by the object store's own replication
    /// (`weed filer.sync`, S3 replication): read, presigned and deleted when a key is not in
    /// `bucket`; never written. Empty in a single region.
    public var replicaBuckets: [String] = []
    /// The second region's store, where this region's bucket is replicated: with synchronous
    /// replication a task's files must be readable there (same bucket, same credentials).
    public var replicaEndpoint: URL?
    public var region = "us-east-1"
    /// Put before every key, so deployments (or tests) can share a bucket: `staging/`.
    public var keyPrefix = ""
    public var accessKeyID: String
    public var secretAccessKey: String
    /// Bodies larger than one part go up as a multipart upload, parts sent as the body arrives.
    public var partSize = 8 << 20
    /// Parts in flight at once per upload; memory per upload is about `partSize` times this plus one.
    public var concurrentParts = 4
    /// Days after which the bucket's lifecycle rule aborts multipart uploads never completed (a
    /// process killed mid-upload leaves its parts); set at start-up when the bucket has no rules
    /// yet. nil: leave the bucket's rules to the operator.
    public var abortIncompleteUploadsDays: Int? = 1

    public init(
        endpoint: URL, bucket: String, region: String = "us-east-1", accessKeyID: String, secretAccessKey: String
    ) {
        self.endpoint = endpoint
        self.bucket = bucket
        self.region = region
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
    }

    public static let keys = [
        ConfigurationKey(
            "s3Endpoint", "an S3-compatible store for blobs, e.g. http://127.0.0.1:8333 (blobs in the data directory)"),
        ConfigurationKey(
            "s3PublicEndpoint",
            "where clients reach the store, for presigned download URLs (a public host or CDN; s3Endpoint)"),
        ConfigurationKey("s3Bucket", "the bucket, made at start-up when missing (clipgen)"),
        ConfigurationKey(
            "s3ReplicaBuckets",
            "other regions' buckets replicated into this store, comma-separated: read when a key is not in s3Bucket (none)"
        ),
        ConfigurationKey(
            "s3ReplicaEndpoint",
            "the second region's store, where s3Bucket is replicated; read to confirm replication (sync) or measure its lag (async) (none)"
        ),
        ConfigurationKey("s3Region", "the region requests are signed for (us-east-1)"),
        ConfigurationKey(
            "s3KeyPrefix", "put before every object key, so deployments can share a bucket, e.g. staging/ (none)"),
        ConfigurationKey("s3AccessKeyId", "the access key id (required with s3Endpoint)"),
        ConfigurationKey("s3SecretAccessKey", "the secret access key (required with s3Endpoint)"),
        ConfigurationKey("s3PartSizeMb", "multipart upload part size in MiB, 5 to 512 (8)"),
        ConfigurationKey("s3ConcurrentParts", "parts of one upload sent at once, 1 to 32 (4)"),
        ConfigurationKey(
            "s3AbortIncompleteUploadsDays",
            "days before the bucket's lifecycle rule aborts unfinished multipart uploads, set when the bucket has no rules; 0: leave its rules alone (1)"
        ),
    ]

    /// nil when no endpoint is set (blobs stay local); an error naming the variable when the
    /// endpoint is set but unusable or a key is missing.
    public init?(reading values: some ConfigurationValues) throws {
        guard values.string("s3Endpoint") != nil else { return nil }
        let endpoint = try Self.endpoint(values, "s3Endpoint")!
        let bucket = values.string("s3Bucket") ?? "clipgen"
        // Checked here, so a typo is caught rather than answered as a signature error.
        guard Self.isBucketName(bucket) else {
            throw ConfigurationProblem.invalid(
                key: ConfigurationKey.environmentName("s3Bucket"),
                reason: "'\(bucket)' is not a bucket name (3–63 lowercase letters, digits, '-' and '.')")
        }
        for key in ["s3AccessKeyId", "s3SecretAccessKey"] where values.string(key) == nil {
            throw ConfigurationProblem.invalid(
                key: ConfigurationKey.environmentName(key),
                reason: "is required when \(ConfigurationKey.environmentName("s3Endpoint")) is set")
        }
        self.init(
            endpoint: endpoint, bucket: bucket, region: values.string("s3Region") ?? "us-east-1",
            accessKeyID: values.string("s3AccessKeyId")!, secretAccessKey: values.string("s3SecretAccessKey")!)
        if let prefix = values.string("s3KeyPrefix") {
            guard (try? BlobKey(prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix)) != nil else {
                throw ConfigurationProblem.invalid(
                    key: ConfigurationKey.environmentName("s3KeyPrefix"),
                    reason: "'\(prefix)' is not a key prefix (letters, digits, '.', '_', '-' and '/')")
            }
            keyPrefix = prefix
        }
        for name in (values.string("s3ReplicaBuckets") ?? "").split(separator: ",") {
            let name = name.trimmingCharacters(in: .whitespaces)
            guard Self.isBucketName(name), name != bucket else {
                throw ConfigurationProblem.invalid(
                    key: ConfigurationKey.environmentName("s3ReplicaBuckets"),
                    reason: "'\(name)' is not a bucket name other than s3Bucket")
            }
            replicaBuckets.append(name)
        }
        publicEndpoint = try Self.endpoint(values, "s3PublicEndpoint")
        replicaEndpoint = try Self.endpoint(values, "s3ReplicaEndpoint")
        partSize = try values.int("s3PartSizeMb", in: 5...512).map { $0 << 20 } ?? partSize
        concurrentParts = try values.int("s3ConcurrentParts", in: 1...32) ?? concurrentParts
        if let days = try values.int("s3AbortIncompleteUploadsDays", in: 0...3650) {
            abortIncompleteUploadsDays = days == 0 ? nil : days
        }
    }

    /// S3's bucket naming rules: 3–63 lowercase letters, digits, '-' and '.', not starting with either.
    public static func isBucketName(_ name: String) -> Bool {
        (3...63).contains(name.count)
            && name.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "." }
            && name.first != "-" && name.first != "."
    }

    /// An `http(s)://host[:port]` URL from `key`, its trailing slash dropped; nil when unset.
    public static func endpoint(_ values: some ConfigurationValues, _ key: String) throws -> URL? {
        guard let raw = values.string(key) else { return nil }
        guard let endpoint = URL(string: raw.hasSuffix("/") ? String(raw.dropLast()) : raw),
            endpoint.scheme == "http" || endpoint.scheme == "https", endpoint.host?.isEmpty == false,
            endpoint.query == nil
        else {
            throw ConfigurationProblem.invalid(
                key: ConfigurationKey.environmentName(key), reason: "'\(raw)' is not an http(s)://host[:port] URL")
        }
        return endpoint
    }
}
