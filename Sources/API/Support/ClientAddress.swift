import Outbound

/// How a client's address is counted by limits (rate limits, sign-in guards, connection caps):
/// an IPv4 address as itself, an IPv6 address by its /64, the smallest block one subscriber is
/// handed; counting each IPv6 address alone would give one host 2^64 budgets.
enum ClientAddress {
    static func limitKey(_ address: String) -> String {
        guard let bytes = CIDR.bytes(of: address), bytes.count == 16 else { return address }
        if bytes[0..<12].elementsEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]) {
            // An IPv4 client on a dual-stack socket is the IPv4 address it carries.
            return bytes[12...].map(String.init).joined(separator: ".")
        }
        let groups = stride(from: 0, to: 8, by: 2).map {
            String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16)
        }
        return groups.joined(separator: ":") + "::/64"
    }
}
