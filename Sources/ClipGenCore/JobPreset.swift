import Foundation

/// A named set of job settings an organisation keeps (`PUT /v1/presets/{name}`) and a job names
/// (`"preset": "shorts"`). Kept as the JSON its author wrote, so a job's own fields replace only
/// what they name: objects merge key by key, anything else the job sets wins.
public enum JobPreset {
    /// What a preset may set: everything about a job but what it is made from.
    public static let settingKeys: Set<String> = [
        "output", "highlights", "analyze", "chapters", "thumbnails", "quality", "webhookUrl", "transcribe", "frames",
        "brand",
    ]

    /// 1 to 64 of lowercase letters, digits, `-` and `_`: a name that is its own URL segment.
    public static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count)
            && name.utf8.allSatisfy {
                ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F
            }
    }

    /// `job` laid over `settings`: the job's keys win, and where both hold an object the two
    /// merge the same way, key by key.
    public static func merge(_ settings: [String: Any], under job: [String: Any]) -> [String: Any] {
        var merged = settings
        for (key, value) in job {
            if let inner = value as? [String: Any], let base = merged[key] as? [String: Any] {
                merged[key] = merge(base, under: inner)
            } else {
                merged[key] = value
            }
        }
        return merged
    }
}
