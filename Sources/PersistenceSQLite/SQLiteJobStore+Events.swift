import ClipGenCore
import Foundation
import GRDB
import Persistence

extension SQLiteJobStore {
    public func claimEvents(limit: Int) async throws -> [JobEvent] {
        // A read first: most polls find nothing and should not queue behind the writers.
        let pending = try read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM events WHERE delivered_at IS NULL LIMIT 1") != nil
        }
        guard pending else { return [] }
        let now = self.now
        return try await pool.write { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT seq, body FROM events WHERE delivered_at IS NULL ORDER BY seq LIMIT ?",
                arguments: [max(1, limit)])
            guard let last = rows.last else { return [] }
            try db.execute(
                sql: "UPDATE events SET delivered_at = ? WHERE delivered_at IS NULL AND seq <= ?",
                arguments: [now, last["seq"] as Int64])
            return try rows.map { row in
                var event = try JSONCoding.decode(JobEvent.self, row["body"])
                event.sequence = row["seq"]
                return event
            }
        }
    }

    public func pruneEvents(deliveredBefore date: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "DELETE FROM events WHERE delivered_at IS NOT NULL AND delivered_at < ?",
                arguments: [date.timeIntervalSince1970])
        }
    }
}
