import ClipGenCore

/// Tests write ids as literals (`"job-a"`); the product never does, so the conformance lives here.
extension ID: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self.init(rawValue: value) }
}
