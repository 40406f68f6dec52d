import Foundation

/// The opaque cursor of a newest-first page: the last item's creation time and id, so the next
/// page starts strictly after it whatever was added since.
public enum PageCursor {
    public static func encode(createdAt: Double, id: String) -> String {
        Data("\(createdAt.bitPattern)|\(id)".utf8).base64EncodedString()
    }

    /// Throws `StoreError.invalidCursor` for anything this server did not issue.
    public static func decode(_ cursor: String) throws -> (createdAt: Double, id: String) {
        guard let data = Data(base64Encoded: cursor), let text = String(data: data, encoding: .utf8) else {
            throw StoreError.invalidCursor
        }
        let parts = text.split(separator: "|", maxSplits: 1)
        guard parts.count == 2, let bits = UInt64(parts[0]) else { throw StoreError.invalidCursor }
        return (Double(bitPattern: bits), String(parts[1]))
    }
}
