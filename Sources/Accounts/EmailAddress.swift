/// The check every email given to ClipGen passes (users, organisation admins).
public enum EmailAddress {
    public static func isPlausible(_ text: String) -> Bool {
        let parts = text.split(separator: "@")
        // No spaces or control characters: they end up in logs, audit lines and emails.
        return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty && text.utf8.count <= 254
            && !text.unicodeScalars.contains {
                $0 == " " || $0.properties.generalCategory == .control || $0.properties.generalCategory == .format
            }
    }
}
