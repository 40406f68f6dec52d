import ClipGenCore
import Foundation
import NIOCore

/// Where sources and clips live, under keys the caller chooses (`uploads/<id>`,
/// `clips/<job>/<index>-<task>.mp4`). Bodies stream both ways: uploads are hashed as they
/// arrive, downloads are read as fast as their reader takes them.
public protocol BlobStore: Sendable {
    /// Streams `body` into storage under `key`, hashing it on the way; a blob already there is
    /// replaced. Throws `BlobError.tooLarge` past `limit` bytes. A body that fails or is too large
    /// leaves nothing behind.
    func put(_ key: BlobKey, from body: some AsyncSequence<ByteBuffer, any Error> & Sendable, limit: Int64?)
        async throws -> BlobInfo

    /// Stores a finished local file (a render output) under `key`; the file is consumed.
    func importFile(at path: String, as key: BlobKey) async throws -> BlobInfo

    /// The bytes of `key`, all or one inclusive range, read as the body's consumer asks for them.
    /// Throws `BlobError.notFound` or `.rangeNotSatisfiable`.
    func get(_ key: BlobKey, range: ClosedRange<Int64>?) async throws -> BlobBody

    /// Copies the blob to a local file (for FFmpeg to read), replacing `path`.
    func download(_ key: BlobKey, to path: String) async throws

    /// Size of the blob, or nil when absent.
    func size(of key: BlobKey) async throws -> Int64?

    /// Every stored key that starts with `prefix`, sorted: what an operator (or a consistency
    /// check) compares with the database's records.
    func keys(startingWith prefix: String) async throws -> [BlobKey]

    /// Removes the blob; absent keys are not an error.
    func delete(_ key: BlobKey) async throws

    /// A URL that lets anyone holding it GET the blob until `expires` has passed, answered with
    /// `contentType` and as an attachment named `filename` when given; nil when this store cannot
    /// sign one (a local directory): then the API streams the bytes itself.
    func presignedURL(for key: BlobKey, expires: Duration, contentType: String?, filename: String?) async throws -> URL?

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

/// A readable blob: its total size, the range being read, and a reader that hands the bytes to
/// a consumer one chunk at a time, waiting for each before reading the next. A slow client is
/// a slow reader, never a growing buffer.
public struct BlobBody: Sendable {
    public var totalSize: Int64
    public var range: ClosedRange<Int64>?
    private let read: @Sendable (_ consume: (ByteBuffer) async throws -> Void) async throws -> Void

    public init(
        totalSize: Int64, range: ClosedRange<Int64>?,
        read: @escaping @Sendable (_ consume: (ByteBuffer) async throws -> Void) async throws -> Void
    ) {
        self.totalSize = totalSize
        self.range = range
        self.read = read
    }

    /// The number of bytes `write(to:)` delivers.
    public var length: Int64 { range.map { $0.upperBound - $0.lowerBound + 1 } ?? totalSize }

    /// Hands every chunk to `consume`, in order.
    public func write(to consume: (ByteBuffer) async throws -> Void) async throws {
        try await read(consume)
    }
}

public enum BlobError: Error, Equatable, CustomStringConvertible {
    case notFound(String)
    case tooLarge(limit: Int64)
    case rangeNotSatisfiable(size: Int64)
    /// The store did not answer (a remote store down or unreachable); worth retrying later.
    case unavailable(String)
    /// The stored bytes of this key failed their integrity check (a sealed blob damaged or
    /// tampered with): no retry helps, the blob must be restored.
    case damaged(String)

    public var description: String {
        switch self {
        case .notFound(let key): "no stored object '\(key)'"
        case .tooLarge(let limit): "the body is larger than the limit of \(limit) bytes"
        case .rangeNotSatisfiable(let size): "the requested range is outside the object's \(size) bytes"
        case .unavailable(let reason): reason
        case .damaged(let key): "the stored object '\(key)' failed its integrity check: damaged or tampered with"
        }
    }
}
