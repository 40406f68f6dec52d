import NIOCore

/// Where sources and clips live. Keys are relative paths of safe segments; implementations
/// refuse anything that could escape their root.
public protocol BlobStore: Sendable {
    /// Streams `body` into storage under a key derived from its SHA-256, so identical bytes are
    /// stored once. Throws `BlobError.tooLarge` past `limit` bytes, leaving nothing behind.
    func putContentAddressed(
        from body: some AsyncSequence<ByteBuffer, any Error> & Sendable, limit: Int64?, prefix: String
    ) async throws -> BlobInfo

    /// Moves a finished local file (a render output) into storage under `key`.
    func importFile(at path: String, as key: BlobKey) async throws -> BlobInfo

    /// The bytes of `key`, all or one inclusive range. Throws `BlobError.notFound`.
    func get(_ key: BlobKey, range: ClosedRange<Int64>?) async throws -> BlobBody

    /// Size of the blob, or nil when absent.
    func size(of key: BlobKey) async throws -> Int64?

    /// Removes the blob; absent keys are not an error.
    func delete(_ key: BlobKey) async throws

    /// Gives FFmpeg a path to read the blob from for the duration of `body`.
    func withLocalFile<T: Sendable>(_ key: BlobKey, _ body: (String) async throws -> T) async throws -> T

    /// Whether the store answers; for readiness checks.
    func isReachable() async -> Bool
}

public struct BlobInfo: Sendable, Equatable {
    public var key: BlobKey
    public var size: Int64
    public var sha256: String
    public init(key: BlobKey, size: Int64, sha256: String) {
        self.key = key
        self.size = size
        self.sha256 = sha256
    }
}

/// A readable blob: its total size, the range being read, and the bytes as a stream.
public struct BlobBody: Sendable {
    public var totalSize: Int64
    public var range: ClosedRange<Int64>?
    public var chunks: AsyncThrowingStream<ByteBuffer, any Error>
    public init(totalSize: Int64, range: ClosedRange<Int64>?, chunks: AsyncThrowingStream<ByteBuffer, any Error>) {
        self.totalSize = totalSize
        self.range = range
        self.chunks = chunks
    }
}

public enum BlobError: Error, Equatable, CustomStringConvertible {
    case invalidKey(String)
    case notFound(String)
    case tooLarge(limit: Int64)
    case rangeNotSatisfiable(size: Int64)

    public var description: String {
        switch self {
        case .invalidKey(let key): "'\(key)' is not a valid storage key"
        case .notFound(let key): "no stored object '\(key)'"
        case .tooLarge(let limit): "the body is larger than the limit of \(limit) bytes"
        case .rangeNotSatisfiable(let size): "the requested range is outside the object's \(size) bytes"
        }
    }
}
