import Foundation
import GRDB

extension SQLiteJobStore {
    /// A consistent copy of the database at `path` written to `destination`, through SQLite's
    /// online backup API on a read-only connection: the service keeps writing meanwhile (WAL
    /// readers block no writer) and the copy is the database as of one transaction.
    public static func backup(databaseAt path: String, to destination: String) throws {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        let source = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? source.close() }
        let copy = try DatabaseQueue(path: destination)
        defer { try? copy.close() }
        try source.backup(to: copy)
    }
}
