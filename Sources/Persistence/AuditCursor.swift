/// The audit log's page cursor: the sequence number the next page starts below, as text.
public enum AuditCursor {
    public static func encode(_ sequence: Int64) -> String { "a\(sequence)" }

    /// nil for no cursor; `StoreError.invalidCursor` for one this server did not issue.
    public static func decode(_ cursor: String?) throws -> Int64? {
        guard let cursor else { return nil }
        guard cursor.hasPrefix("a"), let sequence = Int64(cursor.dropFirst()), sequence > 0 else {
            throw StoreError.invalidCursor
        }
        return sequence
    }
}
