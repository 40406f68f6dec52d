import BlobStorage
import ClipGenCore
import Foundation

/// A worker's local copies of the blobs FFmpeg reads (sources, and clips being measured): each
/// fetched once, kept while tasks use it, and evicted least recently used once the cache holds
/// more than `capacityBytes`. With a local blob store a copy is a hard link, so nothing is copied;
/// with S3 a job's probe, analysis, renders and measurements share one download.
///
/// The copies are the users' files in the clear: the directory is the owner's alone (0700, files
/// 0600) wherever it is mounted; `sweep()` removes copies whose blob was deleted (an upload or
/// clip deleted through the API, by any process) and copies unused for `maxIdle`; and when blobs
/// are sealed at rest (`keepsCopies` false) a copy lives only while a task reads it.
public actor SourceCache<Blobs: BlobStore> {
    private struct Entry {
        var path: String
        var size: Int64
        var lastUsed: UInt64
        var lastUsedAt: ContinuousClock.Instant
        var readers: Int
    }

    public let blobs: Blobs
    public let directory: String
    public let capacityBytes: Int64
    /// False: a copy is removed as soon as no task reads it (blobs encrypted at rest).
    public let keepsCopies: Bool
    /// An unused copy older than this is removed by `sweep()`.
    public let maxIdle: Duration
    private var entries: [BlobKey: Entry] = [:]
    private var fetching: [BlobKey: Task<Entry, any Error>] = [:]
    private var tick: UInt64 = 0

    public init(
        blobs: Blobs, directory: String, capacityBytes: Int64, keepsCopies: Bool = true,
        maxIdle: Duration = .seconds(15 * 60)
    ) {
        self.blobs = blobs
        self.directory = directory
        self.capacityBytes = capacityBytes
        self.keepsCopies = keepsCopies
        self.maxIdle = maxIdle
    }

    /// Runs `body` with a local path of `key`'s bytes; the file stays until `body` returns.
    public func withFile<T: Sendable>(_ key: BlobKey, _ body: @Sendable (String) async throws -> T) async throws -> T {
        let path = try await acquire(key)
        defer { release(key) }
        return try await body(path)
    }

    /// Bytes held now (for tests and metrics).
    public var heldBytes: Int64 { entries.values.reduce(0) { $0 + $1.size } }

    /// The local copies held now, by blob key (for tests).
    public var heldPaths: [BlobKey: String] { entries.mapValues(\.path) }

    private func acquire(_ key: BlobKey) async throws -> String {
        tick += 1
        if var entry = entries[key] {
            entry.readers += 1
            entry.lastUsed = tick
            entry.lastUsedAt = .now
            entries[key] = entry
            return entry.path
        }
        // One download per key however many tasks ask at once.
        let fetch =
            fetching[key]
            ?? Task { [blobs, directory] in
                try Self.makePrivateDirectory(directory)
                let path = directory + "/" + UUID().uuidString
                do {
                    try await blobs.download(key, to: path)
                    // A hard link shares the blob's inode: this narrows the blob file too, which is only right.
                    try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
                } catch {
                    try? FileManager.default.removeItem(atPath: path)
                    throw error
                }
                let size =
                    (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
                return Entry(path: path, size: size, lastUsed: 0, lastUsedAt: .now, readers: 0)
            }
        fetching[key] = fetch
        let fetched: Entry
        do {
            fetched = try await fetch.value
        } catch {
            fetching[key] = nil
            throw error
        }
        fetching[key] = nil
        var entry = entries[key] ?? fetched
        entry.readers += 1
        entry.lastUsed = tick
        entry.lastUsedAt = .now
        entries[key] = entry
        evict()
        return entry.path
    }

    private func release(_ key: BlobKey) {
        entries[key]?.readers -= 1
        if !keepsCopies, let entry = entries[key], entry.readers == 0 { remove(key) }
        evict()
    }

    /// Oldest unused first, until the cache fits; files in use are never removed.
    private func evict() {
        var held = heldBytes
        for (key, entry) in entries.sorted(by: { $0.value.lastUsed < $1.value.lastUsed })
        where held > capacityBytes && entry.readers == 0 {
            remove(key)
            held -= entry.size
        }
    }

    /// Removes unused copies whose blob is gone or that sat unused past `maxIdle`; answers how
    /// many went. Copies in use stay (their task fails or finishes on its own).
    @discardableResult
    public func sweep() async -> Int {
        var removed = 0
        for (key, entry) in entries where entry.readers == 0 {
            let stale = ContinuousClock.now - entry.lastUsedAt > maxIdle
            var deleted = false
            if !stale {
                // A store that cannot answer now keeps the copy until it can.
                let size: Int64?? = try? await blobs.size(of: key)
                deleted = size == .some(nil)
            }
            // Asked again after the wait: a task may have taken the copy meanwhile.
            guard stale || deleted, let current = entries[key], current.readers == 0 else { continue }
            remove(key)
            removed += 1
        }
        return removed
    }

    private func remove(_ key: BlobKey) {
        guard let entry = entries.removeValue(forKey: key) else { return }
        try? FileManager.default.removeItem(atPath: entry.path)
    }

    /// Removes every cached file and the directory (the worker is stopping).
    public func removeAll() {
        for entry in entries.values { try? FileManager.default.removeItem(atPath: entry.path) }
        entries.removeAll()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// `path` and the directories made to reach it are the owner's alone; an existing one is narrowed.
    static func makePrivateDirectory(_ path: String) throws {
        try FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: path)
    }
}
