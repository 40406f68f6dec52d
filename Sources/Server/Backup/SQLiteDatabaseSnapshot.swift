import Foundation
import PersistenceSQLite

/// SQLite: the online backup API for the dump, and the dump file itself for the restore.
struct SQLiteDatabaseSnapshot: DatabaseSnapshot {
    let path: String

    var kind: String { "sqlite" }
    var fileExtension: String { "sqlite" }

    func dump(to destination: String) async throws {
        guard FileManager.default.fileExists(atPath: path) else { throw BackupError.noDatabase(path) }
        try SQLiteJobStore.backup(databaseAt: path, to: destination)
    }

    func isEmpty() async throws -> Bool {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        return (size ?? 0) == 0 && !FileManager.default.fileExists(atPath: path + "-wal")
    }

    func load(from dump: String) async throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        // An empty file left by a failed start would block the rename.
        try? FileManager.default.removeItem(atPath: path)
        guard rename(dump, path) != 0 else { return }
        // Another file system: copied beside the database, then renamed, so it appears whole or not at all.
        let partial = path + ".restoring"
        try? FileManager.default.removeItem(atPath: partial)
        try FileManager.default.copyItem(atPath: dump, toPath: partial)
        guard rename(partial, path) == 0 else {
            throw BackupError.tool(name: "restore", reason: "the database file could not be put at \(path)")
        }
    }
}
