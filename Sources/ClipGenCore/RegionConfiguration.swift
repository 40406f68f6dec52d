import Foundation

/// Where this process runs when ClipGen is deployed in several regions (one database, a primary
/// in one region and standbys in others; one object store per region), and when one region
/// stands in for another. The API and the workers each read it from the same keys.
public struct RegionConfiguration: Sendable, Equatable {
    /// This process's region: a short lowercase name (`a`, `eu-1`). nil: a single-region
    /// deployment, where nothing here applies.
    public var name: String?
    /// How long a region may have no live worker before the others take its organisations' work
    /// and accept their writes; default 60 s.
    public var takeoverSeconds = 60.0
    /// Each region's public base URL, by name: where a write for an organisation homed elsewhere
    /// is redirected (`307`). A region missing here serves such writes itself.
    public var urls: [String: URL] = [:]

    public init() {}

    public static let keys = [
        ConfigurationKey("region", "this process's region in a deployment of several, a short name like eu-1 (none)"),
        ConfigurationKey(
            "regionTakeoverSeconds",
            "how long a region may have no live worker before other regions take its work and writes (60)"),
        ConfigurationKey("regionUrls", "each region's public base URL: a=https://a.example.com,b=https://… (none)"),
    ]

    public init(reading values: some ConfigurationValues) throws {
        self.init()
        if let raw = values.string("region") {
            guard Self.isName(raw) else {
                throw ConfigurationProblem.invalid(
                    key: ConfigurationKey.environmentName("region"),
                    reason: "'\(raw)' is not 1–32 lowercase letters, digits and '-'")
            }
            name = raw
        }
        takeoverSeconds = try values.double("regionTakeoverSeconds", in: 1...86_400) ?? takeoverSeconds
        for entry in (values.string("regionUrls") ?? "").split(separator: ",") {
            let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, Self.isName(parts[0]), let url = URL(string: parts[1]),
                ["http", "https"].contains(url.scheme ?? ""), url.host?.isEmpty == false
            else {
                throw ConfigurationProblem.invalid(
                    key: ConfigurationKey.environmentName("regionUrls"),
                    reason: "'\(entry)' is not REGION=http(s)://host[:port]")
            }
            urls[parts[0]] = url
        }
    }

    /// 1–32 of `a-z`, `0-9` and `-`: safe in a header, a URL and a metric label.
    public static func isName(_ text: String) -> Bool {
        (1...32).contains(text.utf8.count)
            && text.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
    }
}
