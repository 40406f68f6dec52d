import ClipGenCore
import Foundation
import Persistence
import PostgresNIO

extension PostgresJobStore {
    public func claimEvents(limit: Int) async throws -> [JobEvent] {
        // SKIP LOCKED: two relays never hand out the same event, and neither waits for the other.
        let claimed = try await all(
            """
            UPDATE events SET delivered_at = \(now)
            WHERE seq IN (SELECT seq FROM events WHERE delivered_at IS NULL ORDER BY seq LIMIT \(max(1, limit)) FOR
                UPDATE SKIP LOCKED)
            RETURNING seq, body
            """
        ) { row -> JobEvent in
            var event = try row.json("body", as: JobEvent.self)!
            event.sequence = try row.get("seq", as: Int64.self)
            return event
        }
        return claimed.sorted { $0.sequence < $1.sequence }
    }

    public func pruneEvents(deliveredBefore date: Date) async throws {
        try await run(
            "DELETE FROM events WHERE delivered_at IS NOT NULL AND delivered_at < \(date.timeIntervalSince1970)")
    }
}
