/// A duration in the units the wire formats and scripts use (Redis PEXPIRE, GCRA arithmetic,
/// JSON seconds).
extension Duration {
    /// Whole milliseconds, rounded down.
    public var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }

    /// Whole microseconds, rounded down.
    public var microseconds: Int64 { components.seconds * 1_000_000 + components.attoseconds / 1_000_000_000_000 }

    /// Seconds, fractions included.
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
