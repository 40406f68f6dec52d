import Foundation

public enum EntityTag {
    /// `If-None-Match` as RFC 9110 §13.1.2 reads it: a list, `*`, and weak comparison (a `W/`
    /// tag matches its strong twin). nil without the header; false when a tag matches.
    public static func matchesNoneOf(_ values: [String], etag: String) -> Bool? {
        guard !values.isEmpty else { return nil }
        let tags = values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        let opaque = { (tag: String) in tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag }
        return !tags.contains { $0 == "*" || opaque($0) == opaque(etag) }
    }
}
