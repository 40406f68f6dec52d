/// What a password must be: long enough to resist guessing (12 bytes), short enough for bcrypt,
/// which ignores everything after 72 bytes.
public enum PasswordPolicy {
    public static let minimumBytes = 12
    public static let maximumBytes = 72

    /// Why `password` cannot be used, or nil when it can.
    public static func problem(with password: String) -> String? {
        let bytes = password.utf8.count
        return bytes < minimumBytes || bytes > maximumBytes ? "must be \(minimumBytes) to \(maximumBytes) bytes long" : nil
    }
}
