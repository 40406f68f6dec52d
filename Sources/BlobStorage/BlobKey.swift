/// A storage key: `/`-separated segments of letters, digits, `.`, `_` and `-`, none of them
/// `.` or `..`, so a key can never name something outside the store's root.
public struct BlobKey: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: String

    public init(_ rawValue: String) throws {
        let segments = rawValue.split(separator: "/", omittingEmptySubsequences: false)
        guard !rawValue.isEmpty, rawValue.utf8.count <= 512, segments.allSatisfy(Self.isSafe) else {
            throw BlobError.invalidKey(rawValue)
        }
        self.rawValue = rawValue
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
