import BlobStorage
import ClipGenCore
import Foundation

/// What one snapshot holds, written last (`snapshots/<id>/manifest.json`, then `latest`): a
/// snapshot without its manifest was never finished and is not restorable. Blob copies are shared
/// between snapshots under `blobs/<key>`; each manifest lists the ones its database refers to.
public struct BackupManifest: Codable, Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
        /// The service's key; the copy is at `blobs/<key>` in the backup.
        public var key: String
        public var size: Int64
        /// Of the stored bytes (sealed ones when encryption is on).
        public var sha256: String
    }

    public struct Database: Codable, Sendable, Equatable {
        /// `sqlite` or `postgresql`: a backup restores only into the same kind.
        public var kind: String
        /// Where the dump is in the backup.
        public var key: String
        public var size: Int64
        public var sha256: String
    }

    public var format = 1
    public var id: String
    public var createdAt: Date
    public var database: Database
    /// Whether the blobs are sealed: restoring them needs the same encryption keys.
    public var encrypted: Bool
    public var blobs: [Entry]

    static let latestKey = try! BlobKey("latest")

    static func key(_ id: String) throws -> BlobKey { try BlobKey("snapshots/\(id)/manifest.json") }

    static func copyKey(_ key: String) throws -> BlobKey { try BlobKey("blobs/" + key) }

    /// A new snapshot's id: its time to the millisecond, then a random tail so two never collide.
    /// Ids sort as the snapshots were taken, so one is never placed before `newest` (a clock
    /// stepped back, two backups within a millisecond).
    static func newID(at date: Date, after newest: String?) -> String {
        var date = date
        if let newest, let previous = idFormatter.date(from: String(newest.prefix { $0 != "-" })), previous >= date {
            date = previous.addingTimeInterval(0.001)
        }
        return idFormatter.string(from: date) + "-" + Secrets.hex(bytes: 3)
    }

    private static var idFormatter: DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss.SSS'Z'"
        return formatter
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return try encoder.encode(self)
    }

    /// The snapshot `id`, or the latest one, from `store`.
    static func load(from store: some BlobStore, id: String?, location: BackupLocation) async throws -> BackupManifest {
        let chosen: String
        if let id {
            chosen = id
        } else {
            do {
                chosen = String(decoding: try await store.contents(of: latestKey), as: UTF8.self)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            } catch BlobError.notFound {
                throw BackupError.noBackup("there is no backup at \(location) (it has no 'latest')")
            }
        }
        let data: Data
        do {
            data = try await store.contents(of: try key(chosen))
        } catch BlobError.notFound, is BlobKey.Invalid {
            throw BackupError.noBackup("\(location) has no finished snapshot '\(chosen)'")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            let manifest = try decoder.decode(BackupManifest.self, from: data)
            guard manifest.format == 1 else {
                throw BackupError.damaged(
                    key: "snapshots/\(chosen)/manifest.json",
                    reason: "format \(manifest.format) is newer than this ClipGen reads")
            }
            return manifest
        } catch let error as BackupError {
            throw error
        } catch {
            throw BackupError.damaged(key: "snapshots/\(chosen)/manifest.json", reason: "it is not a manifest")
        }
    }

    /// The ids of the finished snapshots in `store`, newest first.
    static func snapshots(in store: some BlobStore) async throws -> [String] {
        try await store.keys(startingWith: "snapshots/").compactMap { key -> String? in
            let parts = key.rawValue.split(separator: "/")
            return parts.count == 3 && parts[2] == "manifest.json" ? String(parts[1]) : nil
        }.sorted(by: >)
    }
}
