import BlobStorage
import ClipGenCore
import Foundation

/// A worker's local copies of the blobs FFmpeg reads (sources, and clips being measured): each
/// fetched once, kept while tasks use it, and evicted least recently used once the cache holds
/// more than `capacityBytes`. With a local blob store a copy is a hard link, so nothing is copied;
/// with S3 a job's probe, analysis, renders and measurements share one download.
public actor SourceCache<Blobs: BlobStore> {
    private struct Entry {
        var path: String
        var size: Int64
        var lastUsed: UInt64
        var readers: Int
    }

    public let blobs: Blobs
    public let directory: String
    public let capacityBytes: Int64
    private var entries: [BlobKey: Entry] = [:]
    private var fetching: [BlobKey: Task<Entry, any Error>] = [:]
    private var tick: UInt64 = 0

    public init(blobs: Blobs, directory: String, capacityBytes: Int64) {
        self.blobs = blobs
        self.directory = directory
        self.capacityBytes = capacityBytes
    }

    /// Runs `body` with a local path of `key`'s bytes; the file stays until `body` returns.
    public func withFile<T: Sendable>(_ key: BlobKey, _ body: @Sendable (String) async throws -> T) async throws -> T {
        let path = try await acquire(key)
        defer { release(key) }
        return try await body(path)
    }

    /// Bytes held now (for tests and metrics).
    public var heldBytes: Int64 { entries.values.reduce(0) { $0 + $1.size } }

    private func acquire(_ key: BlobKey) async throws -> String {
        tick += 1
        if var entry = entries[key] {
            entry.readers += 1
            entry.lastUsed = tick
            entries[key] = entry
            return entry.path
        }
        // One download per key however many tasks ask at once.
        let fetch = fetching[key] ?? Task { [blobs, directory] in
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let path = directory + "/" + UUID().uuidString
            do {
                try await blobs.download(key, to: path)
            } catch {
                try? FileManager.default.removeItem(atPath: path)
                throw error
            }
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
            return Entry(path: path, size: size, lastUsed: 0, readers: 0)
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
        entries[key] = entry
        evict()
        return entry.path
    }

    private func release(_ key: BlobKey) {
        entries[key]?.readers -= 1
        evict()
    }

    /// Oldest unused first, until the cache fits; files in use are never removed.
    private func evict() {
        var held = heldBytes
        for (key, entry) in entries.sorted(by: { $0.value.lastUsed < $1.value.lastUsed }) where held > capacityBytes && entry.readers == 0 {
            try? FileManager.default.removeItem(atPath: entry.path)
            entries[key] = nil
            held -= entry.size
        }
    }

    /// Removes every cached file and the directory (the worker is stopping).
    public func removeAll() {
        for entry in entries.values { try? FileManager.default.removeItem(atPath: entry.path) }
        entries.removeAll()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
