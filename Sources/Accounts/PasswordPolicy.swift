/// What a password must be: long enough to resist guessing (12 bytes), short enough for bcrypt,
/// which ignores everything after 72 bytes, and free of control characters: bcrypt also stops
/// at a NUL, so `abc\0defghijklmn` would be the password `abc`.
public enum PasswordPolicy {
    public static let minimumBytes = 12
    public static let maximumBytes = 72

    /// Why `password` cannot be used, or nil when it can.
    public static func problem(with password: String) -> String? {
        let bytes = password.utf8.count
        if bytes < minimumBytes || bytes > maximumBytes {
            return "must be \(minimumBytes) to \(maximumBytes) bytes long"
        }
        if hasControlCharacters(password) { return "must not contain control characters (NUL, tab, line breaks)" }
        return nil
    }

    /// No password this service accepts has one: a sign-in with one is simply wrong.
    public static func hasControlCharacters(_ password: String) -> Bool {
        password.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
    }
}
