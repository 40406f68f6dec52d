/// A storage key: `/`-separated segments of letters, digits, `.`, `_` and `-`, none of them
/// `.` or `..`, so a key can never name something outside the store's root.
/// Records hold the key itself, so what the database says a blob is called is checked once, where
/// it is read, and never again at the call sites.
public struct BlobKey: Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: String

    /// Thrown for a key that is not one (only a bug or a damaged row makes one).
    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public let key: String
        public init(key: String) { self.key = key }
        public var description: String { "'\(key)' is not a valid storage key" }
    }

    public init(_ rawValue: String) throws {
        let segments = rawValue.split(separator: "/", omittingEmptySubsequences: false)
        guard !rawValue.isEmpty, rawValue.utf8.count <= 512, segments.allSatisfy(Self.isSafe) else {
            throw Invalid(key: rawValue)
        }
        self.rawValue = rawValue
    }

    public init(from decoder: any Decoder) throws {
        try self.init(decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    private static func isSafe(_ segment: Substring) -> Bool {
        guard !segment.isEmpty, segment != ".", segment != ".." else { return false }
        return segment.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2E || byte == 0x5F || byte == 0x2D
        }
    }

    public var description: String { rawValue }
}
