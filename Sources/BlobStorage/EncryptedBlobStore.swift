import ClipGenCore
import Crypto
import Foundation
import NIOCore
import ServiceLifecycle
import Synchronization

/// What `clipgen admin rotate-keys` needs of a sealed store, whatever it wraps.
public protocol EncryptedStoreRotation: Sendable {
    func reencrypt(_ key: BlobKey) async throws -> Bool
}

/// Blobs sealed with AES-256-GCM in fixed-size chunks, over any store: a header (`CGE1`, the
/// key's id, the chunk size), then per chunk a random nonce, the ciphertext and the tag, the
/// chunk's index and whether it is the last bound in as associated data (so chunks cannot be
/// reordered, moved between blobs, or cut off the end). Range reads fetch and open only the
/// chunks they cover. Blobs written before encryption was turned on (no header) are read as
/// they are; `reencrypt(_:)` seals one with the active key.
public struct EncryptedBlobStore<Base: BlobStoreBackend>: BlobStoreBackend, EncryptedStoreRotation {
    public let base: Base
    public let ring: EncryptionKeyRing
    public let chunkSize: Int

    public init(base: Base, ring: EncryptionKeyRing, chunkSize: Int = 64 * 1024) {
        self.base = base
        self.ring = ring
        self.chunkSize = chunkSize
    }

    public func prepare() async throws { try await base.prepare() }
    public func run() async throws { try await base.run() }

    /// What the first bytes of a stored blob say.
    struct Header {
        var keyID: String
        var chunkSize: Int64
        var length: Int64
        var cipherSize: Int64

        var chunkCount: Int64 {
            max(
                1, ((cipherSize - length) + chunkSize + SealedFormat.overhead - 1) / (chunkSize + SealedFormat.overhead)
            )
        }

        /// The plaintext size, from the stored size: every chunk but the last is full.
        var plainSize: Int64? {
            let record = chunkSize + SealedFormat.overhead
            guard cipherSize - length >= SealedFormat.overhead else { return nil }
            let last = cipherSize - length - (chunkCount - 1) * record - SealedFormat.overhead
            guard (0...chunkSize).contains(last) else { return nil }
            return (chunkCount - 1) * chunkSize + last
        }
    }

    /// nil for a blob stored before encryption (no header).
    func header(of key: BlobKey) async throws -> Header? {
        guard let size = try await base.size(of: key) else { throw BlobError.notFound(key.rawValue) }
        guard size >= 9 else { return nil }
        var bytes: [UInt8] = []
        try await base.get(key, range: 0...min(size - 1, 64)).write { bytes += Array($0.readableBytesView) }
        guard bytes.count >= 9, Array(bytes[0..<4]) == SealedFormat.magic else { return nil }
        let idLength = Int(bytes[4])
        guard bytes.count >= 5 + idLength + 4 else { return nil }
        let id = String(decoding: bytes[5..<(5 + idLength)], as: UTF8.self)
        let chunk = bytes[(5 + idLength)..<(9 + idLength)].reduce(Int64(0)) { $0 << 8 | Int64($1) }
        guard chunk > 0 else { return nil }
        return Header(keyID: id, chunkSize: chunk, length: Int64(9 + idLength), cipherSize: size)
    }

    public func put(_ key: BlobKey, from body: some AsyncSequence<ByteBuffer, any Error> & Sendable, limit: Int64?)
        async throws -> BlobInfo
    {
        guard let secret = ring.key(ring.activeID) else {
            throw BlobError.unavailable("the active encryption key is missing")
        }
        let sealing = SealingSequence(
            base: body, key: key, secret: secret, keyID: ring.activeID, chunkSize: chunkSize, limit: limit)
        _ = try await base.put(key, from: sealing, limit: nil)
        let (size, digest) = sealing.result.value.withLock { ($0.size, $0.digest) }
        return BlobInfo(key: key, size: size, sha256: digest ?? "")
    }

    public func importFile(at path: String, as key: BlobKey) async throws -> BlobInfo {
        let info = try await put(key, from: FileChunks(path: path), limit: nil)
        try? FileManager.default.removeItem(atPath: path)
        return info
    }

    public func get(_ key: BlobKey, range: ClosedRange<Int64>?) async throws -> BlobBody {
        guard let header = try await header(of: key) else { return try await base.get(key, range: range) }
        guard let secret = ring.key(header.keyID) else {
            throw BlobError.unavailable("the blob is sealed with key '\(header.keyID)', which is not in the key ring")
        }
        guard let total = header.plainSize else { throw BlobError.damaged(key.rawValue) }
        if let range, range.upperBound >= total { throw BlobError.rangeNotSatisfiable(size: total) }
        guard total > 0 else { return BlobBody(totalSize: 0, range: nil) { _ in } }
        let wanted = range ?? 0...(total - 1)
        let chunk = header.chunkSize
        let record = header.chunkSize + SealedFormat.overhead
        let count = header.chunkCount
        let first = wanted.lowerBound / chunk
        let last = wanted.upperBound / chunk
        let cipherRange =
            (header.length + first * record)...min(header.cipherSize - 1, header.length + (last + 1) * record - 1)
        let lastRecord = Int(header.cipherSize - (header.length + (count - 1) * record))
        let base = self.base
        // The first chunk is opened now, before anyone answers with a head: a blob damaged there
        // is refused whole instead of being cut off after a 200.
        let firstSize = first == count - 1 ? Int64(lastRecord) : record
        var firstRecord: [UInt8] = []
        try await base.get(
            key, range: (header.length + first * record)...(header.length + first * record + firstSize - 1)
        )
        .write { firstRecord += Array($0.readableBytesView) }
        _ = try Self.open(firstRecord[...], key: key, index: first, last: first == count - 1, secret: secret)
        return BlobBody(totalSize: total, range: range) { consume in
            var pending: [UInt8] = []
            var index = first
            try await base.get(key, range: cipherRange).write { buffer in
                pending += Array(buffer.readableBytesView)
                while index <= last {
                    let size = index == count - 1 ? lastRecord : Int(record)
                    guard pending.count >= size else { break }
                    let plain = try Self.open(
                        pending[0..<size], key: key, index: index, last: index == count - 1, secret: secret)
                    pending.removeFirst(size)
                    // Only the part of the chunk inside the wanted range.
                    let start = index * chunk
                    let from = Int(max(wanted.lowerBound, start) - start)
                    let to = Int(min(wanted.upperBound + 1, start + Int64(plain.count)) - start)
                    index += 1
                    if from < to { try await consume(ByteBuffer(bytes: plain[from..<to])) }
                }
            }
        }
    }

    /// One sealed chunk's plaintext; `BlobError.damaged` when it does not open where it stands.
    static func open(_ sealed: ArraySlice<UInt8>, key: BlobKey, index: Int64, last: Bool, secret: SymmetricKey) throws
        -> [UInt8]
    {
        do {
            let box = try AES.GCM.SealedBox(combined: sealed)
            return Array(
                try AES.GCM.open(
                    box, using: secret, authenticating: SealedFormat.associatedData(key, index: index, last: last)))
        } catch {
            throw BlobError.damaged(key.rawValue)
        }
    }

    public func download(_ key: BlobKey, to path: String) async throws {
        let body = try await get(key, range: nil)
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let file = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? file.close() }
        try await body.write { try file.write(contentsOf: Data($0.readableBytesView)) }
    }

    public func size(of key: BlobKey) async throws -> Int64? {
        guard try await base.size(of: key) != nil else { return nil }
        guard let header = try await header(of: key) else { return try await base.size(of: key) }
        return header.plainSize
    }

    public func keys(startingWith prefix: String) async throws -> [BlobKey] {
        try await base.keys(startingWith: prefix)
    }
    public func delete(_ key: BlobKey) async throws { try await base.delete(key) }

    /// The store would hand out the sealed bytes: the API streams and opens them instead.
    public func presignedURL(for key: BlobKey, expires: Duration, contentType: String?, filename: String?) async throws
        -> URL?
    { nil }

    public func isReachable() async -> Bool { await base.isReachable() }

    /// Seals the blob with the active key when it is not already (written before encryption, or
    /// with an older key); returns whether it was rewritten.
    public func reencrypt(_ key: BlobKey) async throws -> Bool {
        if let header = try await header(of: key), header.keyID == ring.activeID { return false }
        // Opened to a local file first: the rewrite replaces the bytes it reads from.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "clipgen-rekey-\(UUID().uuidString)"
        ).path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try await download(key, to: scratch)
        _ = try await put(key, from: FileChunks(path: scratch), limit: nil)
        return true
    }
}

/// The constants of the sealed layout, shared by the writer and the reader.
enum SealedFormat {
    static let magic = Array("CGE1".utf8)
    /// Nonce (12) and tag (16) per chunk.
    static let overhead: Int64 = 28

    static func associatedData(_ key: BlobKey, index: Int64, last: Bool) -> [UInt8] {
        Array(key.rawValue.utf8) + withUnsafeBytes(of: index.bigEndian) { Array($0) } + [last ? 1 : 0]
    }
}

/// Plaintext in, header and sealed chunks out, hashing and counting the plaintext on the way.
struct SealingSequence<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == ByteBuffer {
    typealias Element = ByteBuffer
    let base: Base
    let key: BlobKey
    let secret: SymmetricKey
    let keyID: String
    let chunkSize: Int
    let limit: Int64?
    let result = Result()

    final class Result: Sendable {
        struct Value {
            var size: Int64 = 0
            var digest: String?
        }
        let value = Mutex(Value())
    }

    func makeAsyncIterator() -> Iterator {
        Iterator(base: base.makeAsyncIterator(), sequence: self)
    }

    struct Iterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        let sequence: SealingSequence
        var pending: [UInt8] = []
        var hasher = SHA256()
        var size: Int64 = 0
        var index: Int64 = 0
        var wroteHeader = false
        var finished = false

        init(base: Base.AsyncIterator, sequence: SealingSequence) {
            self.base = base
            self.sequence = sequence
        }

        mutating func next() async throws -> ByteBuffer? {
            if !wroteHeader {
                wroteHeader = true
                let id = Array(sequence.keyID.utf8)
                let chunk = UInt32(sequence.chunkSize)
                return ByteBuffer(
                    bytes: SealedFormat.magic + [UInt8(id.count)] + id
                        + withUnsafeBytes(of: chunk.bigEndian) { Array($0) })
            }
            if finished { return nil }
            // A chunk goes out only once more bytes follow it, so the last one is known as last.
            while pending.count <= sequence.chunkSize {
                guard let buffer = try await base.next() else {
                    finished = true
                    sequence.result.value.withLock { $0 = .init(size: size, digest: Hex.string(hasher.finalize())) }
                    return try seal(pending, last: true)
                }
                let bytes = Array(buffer.readableBytesView)
                size += Int64(bytes.count)
                if let limit = sequence.limit, size > limit { throw BlobError.tooLarge(limit: limit) }
                hasher.update(data: bytes)
                pending += bytes
            }
            let chunk = Array(pending[0..<sequence.chunkSize])
            pending.removeFirst(sequence.chunkSize)
            return try seal(chunk, last: false)
        }

        mutating func seal(_ plain: [UInt8], last: Bool) throws -> ByteBuffer {
            let aad = SealedFormat.associatedData(sequence.key, index: index, last: last)
            index += 1
            let box = try AES.GCM.seal(plain, using: sequence.secret, nonce: AES.GCM.Nonce(), authenticating: aad)
            return ByteBuffer(bytes: Array(box.combined!))
        }
    }
}

/// A local file as a sequence of chunks (what `importFile` seals).
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let path: String

    func makeAsyncIterator() -> Iterator { Iterator(path: path) }

    struct Iterator: AsyncIteratorProtocol {
        let path: String
        var handle: FileHandle?
        var done = false

        mutating func next() async throws -> ByteBuffer? {
            if done { return nil }
            if handle == nil { handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path)) }
            guard let data = try handle?.read(upToCount: 256 * 1024), !data.isEmpty else {
                try? handle?.close()
                done = true
                return nil
            }
            return ByteBuffer(bytes: data)
        }
    }
}
