/// A job's `thumbnails`: `true` (the default) or `false`, or `{"exact": true}` for posters of
/// the exact frame a third of the way into each clip. Otherwise a poster is the keyframe nearest
/// that instant, which costs one keyframe's decode instead of a seek through the group of
/// pictures before it.
public struct ThumbnailOptions: Codable, Sendable, Equatable, ExpressibleByBooleanLiteral {
    /// Posters and the storyboard are made.
    public var enabled: Bool
    /// The poster is the frame at its instant, not the keyframe nearest it.
    public var exact: Bool

    public init(enabled: Bool = true, exact: Bool = false) {
        self.enabled = enabled
        self.exact = enabled && exact
    }

    public init(booleanLiteral value: Bool) {
        self.init(enabled: value)
    }

    enum CodingKeys: String, CodingKey { case exact }

    public init(from decoder: any Decoder) throws {
        if let enabled = try? decoder.singleValueContainer().decode(Bool.self) {
            self.init(enabled: enabled)
            return
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(exact: try c.decodeIfPresent(Bool.self, forKey: .exact) ?? false)
    }

    /// Written as the client may write it: a bare boolean unless the posters are exact.
    public func encode(to encoder: any Encoder) throws {
        if exact {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(true, forKey: .exact)
        } else {
            var c = encoder.singleValueContainer()
            try c.encode(enabled)
        }
    }
}
