extension Array where Element == UInt8 {
    /// Compares without stopping at the first difference, so timing does not reveal a prefix.
    public func constantTimeEquals(_ other: [UInt8]) -> Bool {
        guard count == other.count else { return false }
        return zip(self, other).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
