import Foundation

/// Which addresses ClipGen may connect to on a user's behalf (URL imports, webhooks): public
/// ones, plus the ranges an operator allows (`CLIPGEN_ALLOW_PRIVATE_NETWORKS`). Loopback,
/// private, shared, link-local (cloud metadata lives there), multicast and reserved ranges are
/// refused in IPv4 and IPv6, and an IPv4 address inside IPv6 (mapped, compatible, NAT64, 6to4)
/// is judged as the IPv4 address it carries (mapped, translated, compatible, NAT64 in the
/// well-known and the local-use prefix, 6to4).
public struct NetworkPolicy: Sendable, Equatable {
    public var allowed: [CIDR]

    public init(allowed: [CIDR] = []) {
        self.allowed = allowed
    }

    /// Parses a comma-separated list; nil names the first entry that is not a CIDR.
    public static func parse(_ text: String) -> Result<NetworkPolicy, OutboundError> {
        var ranges: [CIDR] = []
        for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            guard let range = CIDR(entry) else { return .failure(.invalidNetwork(entry)) }
            ranges.append(range)
        }
        return .success(NetworkPolicy(allowed: ranges))
    }

    static let blockedV4 = [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
        "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
        "224.0.0.0/4", "240.0.0.0/4", "255.255.255.255/32",
    ].compactMap(CIDR.init)

    static let blockedV6 = [
        "::/128", "::1/128", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8", "2001:db8::/32", "100::/64", "2001::/23",
        // Local-use NAT64 (RFC 8215) reaches whatever the site's translator reaches: only its /96
        // form, whose IPv4 address is judged above, gets past this.
        "64:ff9b:1::/48",
    ].compactMap(CIDR.init)

    /// An IPv4 address carried inside an IPv6 one, where routing would deliver to it.
    static func embeddedV4(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count == 16 else { return nil }
        let head = Array(bytes[0..<12])
        if head == [UInt8](repeating: 0, count: 10) + [0xFF, 0xFF] { return Array(bytes[12...]) } // ::ffff:a.b.c.d
        // ::ffff:0:a.b.c.d, RFC 6145
        if head == [UInt8](repeating: 0, count: 8) + [0xFF, 0xFF, 0, 0] { return Array(bytes[12...]) }
        if head == [UInt8](repeating: 0, count: 12) { return Array(bytes[12...]) } // ::a.b.c.d
        // 64:ff9b::/96
        if head == [0x00, 0x64, 0xFF, 0x9B] + [UInt8](repeating: 0, count: 8) { return Array(bytes[12...]) }
        if bytes[0] == 0x20, bytes[1] == 0x02 { return Array(bytes[2..<6]) } // 2002::/16, 6to4
        if head == [0x00, 0x64, 0xFF, 0x9B, 0x00, 0x01] + [UInt8](repeating: 0, count: 6) {
            return Array(bytes[12...])
        } // 64:ff9b:1::/96
        return nil
    }

    /// Whether a connection to `bytes` (4 or 16) may be made.
    public func permits(_ bytes: [UInt8]) -> Bool {
        if allowed.contains(where: { $0.contains(bytes) }) { return true }
        if let v4 = Self.embeddedV4(bytes) { return permits(v4) }
        let blocked = bytes.count == 4 ? Self.blockedV4 : Self.blockedV6
        return !blocked.contains { $0.contains(bytes) }
    }
}
